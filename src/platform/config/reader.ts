/**
 * How configuration variables are read and checked, by the platform and by each service's section
 * alike: a reader records every bad value in one shared list instead of throwing, so that a start
 * reports all of them together (loadConfig throws ConfigError at the end).
 */
export type Profile = 'development' | 'test' | 'staging' | 'production';

/** One variable as `linggong config` and the README list it. */
export interface ConfigVariable {
  doc: string;
  example?: string;
}

/** Variables by name. A name may hold a placeholder, as in `LINGGONG_<SERVICE>_URL`. */
export type ConfigVariables = Readonly<Record<string, ConfigVariable>>;

export interface ConfigReader {
  /** The trimmed value; undefined when unset or blank. */
  get: (name: string) => string | undefined;
  /** An integer within [min, max]; the fallback when unset (or bad, which is recorded). */
  int: (name: string, fallback: number, min: number, max: number) => number;
  /** true/1/yes or false/0/no; the fallback when unset (or bad, which is recorded). */
  bool: (name: string, fallback: boolean) => boolean;
  /** One of `allowed`; the fallback when unset, the first allowed value when bad (recorded). */
  oneOf: <const T extends string>(name: string, fallback: NoInfer<T>, allowed: readonly T[]) => T;
  /** A value that must be set, `because` says when (e.g. 'when LINGGONG_GEOCODER=amap'); '' if not. */
  required: (name: string, because: string) => string;
  /** Records a problem that no single method above checks (e.g. two variables that conflict). */
  problem: (message: string) => void;
}

export function createConfigReader(
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): ConfigReader {
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  return {
    get,
    int(name, fallback, min, max) {
      const raw = get(name);
      if (raw === undefined) return fallback;
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n < min || n > max) {
        problems.push(`${name}=${raw}: must be an integer from ${min} to ${max}`);
        return fallback;
      }
      return n;
    },
    bool(name, fallback) {
      const raw = get(name);
      if (raw === undefined) return fallback;
      if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
      if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
      problems.push(`${name}=${raw}: must be true or false`);
      return fallback;
    },
    oneOf(name, fallback, allowed) {
      const value = get(name) ?? fallback;
      const found = allowed.find((a) => a === value);
      if (found !== undefined) return found;
      problems.push(`${name}=${value}: must be one of ${allowed.join(', ')}`);
      return allowed[0]!;
    },
    required(name, because) {
      const v = get(name);
      if (!v) problems.push(`${name}: required ${because}`);
      return v ?? '';
    },
    problem(message) {
      problems.push(message);
    },
  };
}

/**
 * The reader limited to `variables`: reading any other is a mistake in the code (its variable would
 * be missing from `linggong config` and the README), so it throws rather than being recorded.
 */
export function restrictTo(reader: ConfigReader, variables: ConfigVariables, owner: string): ConfigReader {
  const check = (name: string): string => {
    if (!declares(variables, name)) throw new Error(`${owner} reads ${name} without declaring it`);
    return name;
  };
  return {
    get: (name) => reader.get(check(name)),
    int: (name, fallback, min, max) => reader.int(check(name), fallback, min, max),
    bool: (name, fallback) => reader.bool(check(name), fallback),
    oneOf: (name, fallback, allowed) => reader.oneOf(check(name), fallback, allowed),
    required: (name, because) => reader.required(check(name), because),
    problem: reader.problem,
  };
}

/** Whether `name` is one of `variables`, where a placeholder such as `<SERVICE>` stands for A–Z. */
function declares(variables: ConfigVariables, name: string): boolean {
  if (Object.hasOwn(variables, name)) return true;
  return Object.keys(variables).some(
    (pattern) =>
      pattern.includes('<') && new RegExp(`^${pattern.replace(/<[A-Z]+>/g, '[A-Z]+')}$`).test(name),
  );
}
