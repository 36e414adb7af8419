// What the `linggong` command line accepts: its usage texts and how its arguments are read. Kept
// apart from the commands so that help answers without loading the platform.

/** The usage text of the `linggong` command (`main`) and of each of its commands. */
export const HELP: Record<string, string> = {
  main: `Usage: linggong <command> [options]

Commands:
  serve [--services a,b]     Run the HTTP API (all services by default); migrates first
  worker [--services a,b]    Run event consumers and schedules only (no HTTP)
  migrate up|down|status     Apply, revert (one step per service) or list migrations
  seed                       Insert demo data (development)
  reindex                    Rebuild the job search index from the job service
  create-admin --phone N     Create or promote an admin account
  ledger check               Verify the payment ledger's invariants (exit 1 when broken)
  dlq list|show|replay|discard   Dead letters of event consumers
  config                     List every configuration variable

Run "linggong <command> --help" for details. Configuration comes from LINGGONG_* variables.`,
  serve: `Usage: linggong serve [--services user,job] [--port 3000] [--host 127.0.0.1]

Serves the selected services (default: all) on one port, after applying pending migrations.
In development, seeds demo data on the first start and prints the credentials once.
Serving a subset means several processes: that needs MySQL/MariaDB and Redis.
Background work (outbox relay, event consumers, schedules) runs in the same process unless
--no-workers (or LINGGONG_WORKERS=false); with the embedded bus it always does.
Ctrl-C (SIGINT) or SIGTERM drains in-flight requests, then closes connections.`,
  worker: `Usage: linggong worker [--services user,job] [--port 3000] [--host 127.0.0.1]

Runs the outbox relays, event consumers and schedules of the selected services without serving
the API. Needs the bullmq event bus (LINGGONG_REDIS_URL) to be useful beside serve processes.
Answers only its operations endpoints on the port: /healthz, /readyz and /metrics (the event
handlers' metrics are recorded here), for probes and Prometheus.`,
  dlq: `Usage: linggong dlq list --service user [--state open|replayed|discarded]
       linggong dlq show <service> <id>
       linggong dlq replay <service> <id>
       linggong dlq discard <service> <id>

Dead letters are events a consumer gave up on after its last attempt. Replay runs the consumer
again (its inbox still prevents a double effect); discard gives up for good.`,
  migrate: `Usage: linggong migrate up|down|status [--services a,b]

  up       apply every pending migration of each service
  down     revert the latest migration of each service
  status   list each service's migrations and when they ran`,
  seed: `Usage: linggong seed

Inserts the demo data (categories, demo worker and employer) if missing and prints credentials.`,
  reindex: `Usage: linggong reindex

Rebuilds the job search index from every open job (read from the job service in pages) and
swaps it in. Needed when the index was written by another segmenter dictionary or format
(search then answers 503 SEARCH_REINDEX_REQUIRED), or is damaged. The embedded index belongs to
one process: stop the server first (it holds the index's lock). Job events published meanwhile
are applied when the server runs again; their versions keep the newest state.`,
  'create-admin': `Usage: linggong create-admin --phone 13800000000 [--name 管理员]

Creates an account with the admin role for the phone number, or adds the role to an existing one.`,
  ledger: `Usage: linggong ledger check

Checks the payment ledger over the whole database: every transfer balances, every account's
balance equals the sum of its legs (and its running history is unbroken), no account that may
not go negative is below zero, and every final order's escrow is zero. Prints each problem and
exits 1 when there is any, 0 when the ledger is clean.`,
  config: `Usage: linggong config

Prints every LINGGONG_* variable with its meaning, and the service of a service's own setting.`,
};

/** A command line: the command, its positional arguments and its --flags. */
export interface Parsed {
  command: string;
  positional: string[];
  flags: Record<string, string | true>;
}

/** Reads `linggong <command> [args] [--flag value | --flag=value | --flag]`. */
export function parseArgs(argv: string[]): Parsed {
  const [command = 'help', ...rest] = argv;
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (v !== undefined) flags[k] = v;
      else if (rest[i + 1] && !rest[i + 1]!.startsWith('--')) flags[k] = rest[++i]!;
      else flags[k] = true;
    } else positional.push(a);
  }
  return { command, positional, flags };
}
