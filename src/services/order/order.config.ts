import { defineConfigSection } from '../../platform/config.js';

/** The order service's rules; every number has a documented default (README, Configuration). */
export interface OrderConfig {
  /** Open (pending or invited) applications a worker may have at once. */
  maxOpenApplications: number;
  /** The default check-in fence around the job's place, in metres (per job 100–3000). */
  fenceMeters: number;
  /** Check-in opens this long before the shift starts and closes this long after. */
  checkInEarlyMinutes: number;
  checkInLateMinutes: number;
  /** Check-out closes this long after the shift ends. */
  checkOutLateMinutes: number;
  /** No check-in by the start plus this: a no-show. */
  noShowMinutes: number;
  /** An employer cancels free until this long before the start; later the worker is compensated. */
  employerFreeCancelHours: number;
  /** The compensation for a late employer cancellation: this many minutes of the shift's pay. */
  lateCancelCompensationMinutes: number;
  /** A worker cancels free until this long before the start; later it counts against the worker. */
  workerFreeCancelHours: number;
  /** A submitted order confirms itself after this long without the employer's answer. */
  autoConfirmHours: number;
  /** The worker may contest an adjustment of the hours for this long. */
  contestHours: number;
  /** The other party answers a dispute within this long (then an admin decides on what is there). */
  disputeResponseHours: number;
}

/** The order service's configuration section: `orderConfig.of(config)`. */
export const orderConfig = defineConfigSection({
  service: 'order',
  variables: {
    LINGGONG_ORDER_MAX_OPEN_APPLICATIONS: {
      doc: 'Open applications a worker may have at once (default 20; 1–200)',
    },
    LINGGONG_ORDER_FENCE_METERS: {
      doc: 'Default check-in fence around the job place, metres (default 500; a job may set 100–3000)',
    },
    LINGGONG_ORDER_CHECK_IN_EARLY_MINUTES: {
      doc: 'Check-in opens this many minutes before the shift starts (default 30)',
    },
    LINGGONG_ORDER_CHECK_IN_LATE_MINUTES: {
      doc: 'Check-in closes this many minutes after the shift starts (default 15)',
    },
    LINGGONG_ORDER_CHECK_OUT_LATE_MINUTES: {
      doc: 'Check-out closes this many minutes after the shift ends (default 240)',
    },
    LINGGONG_ORDER_NO_SHOW_MINUTES: {
      doc: 'No check-in by the shift start plus this many minutes makes a no-show (default 60)',
    },
    LINGGONG_ORDER_EMPLOYER_FREE_CANCEL_HOURS: {
      doc: 'An employer cancels free until this many hours before the start (default 24)',
    },
    LINGGONG_ORDER_LATE_CANCEL_COMPENSATION_MINUTES: {
      doc: "A late employer cancellation pays the worker this many minutes of the shift's pay (default 120)",
    },
    LINGGONG_ORDER_WORKER_FREE_CANCEL_HOURS: {
      doc: 'A worker cancels free until this many hours before the start; later it counts against the worker (default 12)',
    },
    LINGGONG_ORDER_AUTO_CONFIRM_HOURS: {
      doc: 'A submitted order confirms itself after this many hours without an answer (default 24)',
    },
    LINGGONG_ORDER_CONTEST_HOURS: {
      doc: 'A worker may contest adjusted hours for this many hours (default 24)',
    },
    LINGGONG_ORDER_DISPUTE_RESPONSE_HOURS: {
      doc: 'The other party answers a dispute within this many hours (default 48)',
    },
  },
  parse(read): OrderConfig {
    return {
      maxOpenApplications: read.int('LINGGONG_ORDER_MAX_OPEN_APPLICATIONS', 20, 1, 200),
      fenceMeters: read.int('LINGGONG_ORDER_FENCE_METERS', 500, 100, 3000),
      checkInEarlyMinutes: read.int('LINGGONG_ORDER_CHECK_IN_EARLY_MINUTES', 30, 0, 720),
      checkInLateMinutes: read.int('LINGGONG_ORDER_CHECK_IN_LATE_MINUTES', 15, 0, 720),
      checkOutLateMinutes: read.int('LINGGONG_ORDER_CHECK_OUT_LATE_MINUTES', 240, 0, 1440),
      noShowMinutes: read.int('LINGGONG_ORDER_NO_SHOW_MINUTES', 60, 1, 1440),
      employerFreeCancelHours: read.int('LINGGONG_ORDER_EMPLOYER_FREE_CANCEL_HOURS', 24, 0, 720),
      lateCancelCompensationMinutes: read.int(
        'LINGGONG_ORDER_LATE_CANCEL_COMPENSATION_MINUTES',
        120,
        0,
        1440,
      ),
      workerFreeCancelHours: read.int('LINGGONG_ORDER_WORKER_FREE_CANCEL_HOURS', 12, 0, 720),
      autoConfirmHours: read.int('LINGGONG_ORDER_AUTO_CONFIRM_HOURS', 24, 1, 720),
      contestHours: read.int('LINGGONG_ORDER_CONTEST_HOURS', 24, 1, 720),
      disputeResponseHours: read.int('LINGGONG_ORDER_DISPUTE_RESPONSE_HOURS', 48, 1, 720),
    };
  },
});
