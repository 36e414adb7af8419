import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import { jobConfig } from './job.config.js';

const load = (env: Record<string, string>) =>
  jobConfig.of(loadConfig({ env, services: [{ name: 'job', config: jobConfig }] }));

describe('job configuration', () => {
  it('opens posts after automatic moderation and needs coordinates by default', () => {
    expect(load({})).toEqual({ review: 'auto', geocoder: { provider: 'none' } });
  });

  it('geocodes with Amap when given its key, signing when given the private key', () => {
    expect(
      load({
        LINGGONG_JOB_REVIEW: 'manual',
        LINGGONG_GEOCODER: 'amap',
        LINGGONG_AMAP_KEY: 'k',
        LINGGONG_AMAP_PRIVATE_KEY: 'p',
      }),
    ).toEqual({ review: 'manual', geocoder: { provider: 'amap', key: 'k', privateKey: 'p' } });
  });

  it('reports every bad value at once', () => {
    expect(() => load({ LINGGONG_JOB_REVIEW: 'never', LINGGONG_GEOCODER: 'amap' })).toThrow(
      /LINGGONG_JOB_REVIEW=never: must be one of auto, manual[\s\S]*LINGGONG_AMAP_KEY: required when LINGGONG_GEOCODER=amap/,
    );
  });

  it('is documented in the README', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(Object.keys(jobConfig.variables).filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});
