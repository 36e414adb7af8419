import { describe, expect, it } from 'vitest';
import {
  type AnyConfigSection,
  ConfigError,
  defineConfigSection,
  DEV_SECRET,
  listConfigVariables,
  loadConfig,
  PLATFORM_VARIABLES,
} from './config.js';

const known = [{ name: 'user' }, { name: 'job' }];
/** The known services and one more per section, as modules carrying their sections. */
const withSections = (...sections: AnyConfigSection[]) => [
  ...known,
  ...sections.map((config) => ({ name: config.service, config })),
];

describe('config', () => {
  it('has working defaults for development', () => {
    const c = loadConfig({ env: {}, services: known });
    expect(c.profile).toBe('development');
    expect(c.databaseUrl).toBe('sqlite:./data/linggong.db');
    expect(c.serviceDatabaseUrls.user).toBe(c.databaseUrl);
    expect(c.businessTimeZone).toBe('Asia/Shanghai');
    expect(c.port).toBe(3000);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({
        env: {
          LINGGONG_PORT: 'abc',
          LINGGONG_BUSINESS_TZ: 'Mars/Base',
          LINGGONG_DATABASE_URL: 'postgres://x',
          LINGGONG_LOG_LEVEL: 'loud',
          LINGGONG_MALLOC_TUNING: 'false',
        },
        services: known,
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toContain('LINGGONG_PORT');
      expect(problems).toContain('LINGGONG_BUSINESS_TZ');
      expect(problems).toContain('LINGGONG_DATABASE_URL');
      expect(problems).toContain('LINGGONG_LOG_LEVEL');
      expect(problems).toContain('LINGGONG_MALLOC_TUNING=false: must be one of on, off');
    }
  });

  it('refuses development secrets in production', () => {
    expect(() =>
      loadConfig({
        env: {
          LINGGONG_ENV: 'production',
          LINGGONG_SECRET: DEV_SECRET,
          LINGGONG_DATABASE_URL: 'mysql://u:p@db:3306/lg',
        },
        services: known,
      }),
    ).toThrow(/development secret is refused/);
    expect(() => loadConfig({ env: { LINGGONG_ENV: 'production' }, services: known })).toThrow(
      /LINGGONG_SECRET/,
    );
  });

  it('requires MySQL and Redis to serve a subset of services', () => {
    expect(() => loadConfig({ env: { LINGGONG_SERVICES: 'user' }, services: known })).toThrow(/needs MySQL/);
    const c = loadConfig({
      env: {
        LINGGONG_SERVICES: 'user',
        LINGGONG_DATABASE_URL: 'mysql://root@127.0.0.1:3306/x',
        LINGGONG_REDIS_URL: 'redis://127.0.0.1:6379',
      },
      services: known,
    });
    expect(c.services).toEqual(['user']);
    expect(() => loadConfig({ env: { LINGGONG_SERVICES: 'nope' }, services: known })).toThrow(
      /unknown service/,
    );
  });

  it('takes per-service database URLs and refuses unknown services', () => {
    const c = loadConfig({
      env: { LINGGONG_USER_DATABASE_URL: 'sqlite:./data/user.db' },
      services: known,
    });
    expect(c.serviceDatabaseUrls.user).toBe('sqlite:./data/user.db');
    expect(c.serviceDatabaseUrls.job).toBe('sqlite:./data/linggong.db');
    expect(() => loadConfig({ env: { LINGGONG_FOO_DATABASE_URL: 'sqlite:x' }, services: known })).toThrow(
      /no service named foo/,
    );
  });
});

describe('SMS settings', () => {
  it('needs the Aliyun credentials with the aliyun provider, and refuses the console in production', () => {
    expect(loadConfig({ env: {}, services: known }).sms).toEqual({ provider: 'console' });
    expect(() => loadConfig({ env: { LINGGONG_SMS_PROVIDER: 'aliyun' }, services: known })).toThrow(
      /LINGGONG_ALIYUN_SMS_ACCESS_KEY_ID: required when LINGGONG_SMS_PROVIDER=aliyun[\s\S]*LINGGONG_ALIYUN_SMS_TEMPLATE_CODE/,
    );
    expect(() => loadConfig({ env: { LINGGONG_ENV: 'production' }, services: known })).toThrow(
      /console provider is for development/,
    );
  });
});

/** A section as a service declares one in its <svc>.config.ts. */
const greeterConfig = defineConfigSection({
  service: 'greeter',
  variables: {
    LINGGONG_GREETING: { doc: 'What to say (default hello)' },
    LINGGONG_GREETINGS_PER_DAY: { doc: 'At most this many (default 3; 1–10)' },
    LINGGONG_GREETER_DIR: { doc: 'Folder of the greetings (default <dataDir>/greetings)' },
  },
  parse(read): { greeting: 'hello' | 'ni hao'; perDay: number; dir: string; loud: boolean } {
    const greeting = read.oneOf('LINGGONG_GREETING', 'hello', ['hello', 'ni hao']);
    const perDay = read.int('LINGGONG_GREETINGS_PER_DAY', 3, 1, 10);
    if (greeting === 'ni hao' && perDay > 5) read.problem('LINGGONG_GREETINGS_PER_DAY: at most 5 in Chinese');
    return {
      greeting,
      perDay,
      dir: read.get('LINGGONG_GREETER_DIR') ?? `${read.dataDir}/greetings`,
      loud: read.profile === 'development',
    };
  },
});

describe('the public URL', () => {
  it('names where clients reach the API, and refuses what is not an http(s) URL', () => {
    expect(loadConfig({ env: {}, services: known }).publicUrl).toBeUndefined();
    expect(
      loadConfig({ env: { LINGGONG_PUBLIC_URL: 'https://api.example.com/' }, services: known }).publicUrl,
    ).toBe('https://api.example.com');
    expect(() => loadConfig({ env: { LINGGONG_PUBLIC_URL: 'api.example.com' }, services: known })).toThrow(
      'LINGGONG_PUBLIC_URL: must be an http(s) URL',
    );
  });
});

describe('configuration sections', () => {
  const load = (env: Record<string, string>) =>
    loadConfig({ env, services: [...known, { name: 'greeter', config: greeterConfig }] });

  it('parses a service section with the platform settings; the service reads it typed', () => {
    const settings = greeterConfig.of(load({ LINGGONG_GREETINGS_PER_DAY: '7', LINGGONG_DATA_DIR: '/srv' }));
    expect(settings).toEqual({ greeting: 'hello', perDay: 7, dir: '/srv/greetings', loud: true });
    const perDay: number = settings.perDay;
    expect(perDay).toBe(7);
  });

  it("reports a section's bad values together with the platform's", () => {
    try {
      load({ LINGGONG_PORT: 'abc', LINGGONG_GREETING: 'yo', LINGGONG_GREETINGS_PER_DAY: '11' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect([...(e as ConfigError).problems].sort()).toEqual([
        'LINGGONG_GREETING=yo: must be one of hello, ni hao',
        'LINGGONG_GREETINGS_PER_DAY=11: must be an integer from 1 to 10',
        'LINGGONG_PORT=abc: must be an integer from 0 to 65535',
      ]);
    }
    expect(() => load({ LINGGONG_GREETING: 'ni hao', LINGGONG_GREETINGS_PER_DAY: '6' })).toThrow(
      /at most 5 in Chinese/,
    );
  });

  it('refuses a section that reads a variable it does not declare, or declares one twice', () => {
    const sneaky = defineConfigSection({
      service: 'sneaky',
      variables: {},
      parse: (read) => read.get('LINGGONG_SECRET'),
    });
    expect(() => loadConfig({ env: {}, services: withSections(sneaky) })).toThrow(
      "the sneaky service's configuration reads LINGGONG_SECRET without declaring it",
    );
    const copy = defineConfigSection({
      service: 'copy',
      variables: { LINGGONG_GREETING: { doc: 'again' } },
      parse: () => null,
    });
    expect(() => loadConfig({ env: {}, services: withSections(greeterConfig, copy) })).toThrow(
      'LINGGONG_GREETING is declared by both the greeter service and the copy service',
    );
    const platformName = defineConfigSection({
      service: 'mine',
      variables: { LINGGONG_PORT: { doc: 'mine' } },
      parse: () => null,
    });
    expect(() => loadConfig({ env: {}, services: withSections(platformName) })).toThrow(
      'LINGGONG_PORT is declared by both the platform and the mine service',
    );
    expect(() => loadConfig({ env: {}, services: withSections(greeterConfig, greeterConfig) })).toThrow(
      'the greeter service declares two configuration sections',
    );
  });

  it('says so when a service reads a section that was not loaded', () => {
    expect(() => greeterConfig.of(loadConfig({ env: {}, services: known }))).toThrow(
      /configuration of the greeter service was not loaded/,
    );
  });

  it('lists the platform variables, then each section with its service', () => {
    const listed = listConfigVariables(withSections(greeterConfig));
    expect(listed[0]).toEqual({ name: 'LINGGONG_ENV', doc: expect.any(String) });
    expect(listed.slice(-3).map((v) => `${v.service}:${v.name}`)).toEqual([
      'greeter:LINGGONG_GREETING',
      'greeter:LINGGONG_GREETINGS_PER_DAY',
      'greeter:LINGGONG_GREETER_DIR',
    ]);
    expect(listed).toHaveLength(Object.keys(PLATFORM_VARIABLES).length + 3);
  });
});

describe('documentation', () => {
  // Each service's own variables are checked beside its section (<svc>.config.test.ts).
  it('the README documents every platform variable', async () => {
    const { readFile } = await import('node:fs/promises');
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const missing = Object.keys(PLATFORM_VARIABLES).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
