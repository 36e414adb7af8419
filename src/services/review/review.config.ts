import { defineConfigSection } from '../../platform/config.js';

/** The review service's rules (README, Configuration). The credit formula is fixed: credit.formula.ts. */
export interface ReviewConfig {
  /** Each party may review the other for this many days after the order completed. */
  windowDays: number;
}

/** The review service's configuration section: `reviewConfig.of(config)`. */
export const reviewConfig = defineConfigSection({
  service: 'review',
  variables: {
    LINGGONG_REVIEW_WINDOW_DAYS: {
      doc: 'Days after an order completes in which its parties may review each other (default 7; 1–30)',
    },
  },
  parse(read): ReviewConfig {
    return { windowDays: read.int('LINGGONG_REVIEW_WINDOW_DAYS', 7, 1, 30) };
  },
});
