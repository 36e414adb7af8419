import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { CursorCodec } from '../../platform/cursor.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { BoundHandler } from '../../platform/events/types.js';
import type { App } from '../../platform/http/server.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { ScheduleSpec } from '../../platform/jobs/scheduler.js';
import type { Logger } from '../../platform/log.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { ServiceContext } from '../../platform/service.js';
import type { ChannelName, PaymentChannel } from './channels/index.js';
import type { Ledger } from './ledger/index.js';
import type { PaymentConfig } from './payment.config.js';
import type { PaymentDB } from './payment.db.js';

/** What every flow of the payment service is built with (made once in index.ts). */
export interface PaymentContext {
  sdb: ServiceDatabase<PaymentDB>;
  ledger: Ledger;
  /** The configured channels by name (the sandbox only in development and test). */
  channels: ReadonlyMap<ChannelName, PaymentChannel>;
  settings: PaymentConfig;
  config: Config;
  pii: PiiCipher;
  cursors: CursorCodec;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  /** An instant in the business time zone, for answers. */
  at: (instant: number) => string;
  /** Where a channel posts its notifications (`<public URL>/api/v1/payments/notify/<channel>`). */
  notifyUrl: (channel: ChannelName) => string;
  /** Clients of other services (the verification client for withdrawals). */
  clients: ServiceContext<PaymentDB>['clients'];
}

/** What a flow adds to the service: routes, schedules and event handlers. */
export interface PaymentFeature {
  routes?(app: App): Promise<void>;
  schedules?: ScheduleSpec[];
  handlers?: BoundHandler[];
}
