import type { ConfigReader, ConfigVariables, Profile } from './reader.js';

/** What a section's parse reads with: the reader, limited to its own variables, and the basics. */
export interface SectionReader extends ConfigReader {
  readonly profile: Profile;
  /** LINGGONG_DATA_DIR, for defaults of folders under it. */
  readonly dataDir: string;
}

/** Where loadConfig keeps the parsed sections (the Config), by service name. */
export interface ParsedSections {
  readonly sections: Readonly<Record<string, unknown>>;
}

/**
 * A service's own configuration: its variables (names and docs, listed by `linggong config` beside
 * the service's name) and how they become a typed value. It lives next to the service's code
 * (`src/services/<svc>/<svc>.config.ts`); the registry hands every service's section to loadConfig,
 * which parses them with the platform's settings, so every bad value is still reported at start,
 * together.
 */
export interface ConfigSection<S> {
  readonly service: string;
  readonly variables: ConfigVariables;
  /** Reads the section; a bad value is recorded on the reader (returning a fallback), not thrown. */
  readonly parse: (read: SectionReader) => S;
  /** This section as loadConfig parsed it: `jobConfig.of(ctx.config).review`. */
  readonly of: (config: ParsedSections) => S;
}

/** A section of any type, as lists of sections hold them. */
export type AnyConfigSection = ConfigSection<unknown>;

export function defineConfigSection<S>(spec: {
  service: string;
  variables: ConfigVariables;
  parse: (read: SectionReader) => S;
}): ConfigSection<S> {
  const { service, variables, parse } = spec;
  return {
    service,
    variables,
    parse,
    of: (config) => {
      if (!Object.hasOwn(config.sections, service)) {
        throw new Error(
          `the configuration of the ${service} service was not loaded: pass its section to loadConfig`,
        );
      }
      // loadConfig stored what this section's parse returned under its service's name, and refuses
      // two sections of one service, so the value is an S.
      return config.sections[service] as S;
    },
  };
}
