import { defineConfigSection } from '../../platform/config.js';

/** The job service's settings. */
export interface JobConfig {
  /** Job posts: 'auto' opens posts that pass automatic moderation; 'manual' reviews every post. */
  review: 'auto' | 'manual';
  /** Address → coordinates for job places: none (posts carry coordinates) or Amap (高德). */
  geocoder: { provider: 'none' } | { provider: 'amap'; key: string; privateKey: string | undefined };
}

/** The job service's configuration section: `jobConfig.of(config)`. */
export const jobConfig = defineConfigSection({
  service: 'job',
  variables: {
    LINGGONG_JOB_REVIEW: {
      doc: 'auto (default: posts that pass automatic moderation open at once) | manual (an admin reviews every post)',
    },
    LINGGONG_GEOCODER: {
      doc: 'none (default: job places must carry coordinates) | amap (高德 web service API)',
    },
    LINGGONG_AMAP_KEY: { doc: 'Amap web service key, for LINGGONG_GEOCODER=amap' },
    LINGGONG_AMAP_PRIVATE_KEY: { doc: 'Amap digital-signature private key (requests are signed when set)' },
  },
  parse(read): JobConfig {
    const review = read.oneOf('LINGGONG_JOB_REVIEW', 'auto', ['auto', 'manual']);
    const geocoder = read.oneOf('LINGGONG_GEOCODER', 'none', ['none', 'amap']);
    if (geocoder === 'none') return { review, geocoder: { provider: geocoder } };
    return {
      review,
      geocoder: {
        provider: geocoder,
        key: read.required('LINGGONG_AMAP_KEY', 'when LINGGONG_GEOCODER=amap'),
        privateKey: read.get('LINGGONG_AMAP_PRIVATE_KEY'),
      },
    };
  },
});
