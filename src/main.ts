import { HELP, parseArgs } from './cli/usage.js';

/**
 * The `linggong` command line: serve | worker | migrate | seed | reindex | create-admin | ledger | dlq |
 * config. Help answers at once; the commands load the platform (src/cli/commands.ts).
 * Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.
 */
async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  const { command, flags } = parsed;
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(HELP.main);
    return 0;
  }
  if (!HELP[command]) {
    console.error(`Unknown command "${command}".\n\n${HELP.main}`);
    return 2;
  }
  if (flags.help || flags.h) {
    console.log(HELP[command]);
    return 0;
  }
  const { runCommand } = await import('./cli/commands.js');
  return runCommand(parsed);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  async (e: unknown) => {
    let code = 1;
    try {
      code = (await import('./cli/commands.js')).reportFailure(e);
    } catch {
      // The commands module itself is what failed to load: the error as it is.
      console.error(e);
    }
    process.exit(code);
  },
);
