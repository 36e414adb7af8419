import type { AnyServiceModule } from '../platform/service.js';
import { jobModule } from './job/index.js';
import { messageModule } from './message/index.js';
import { orderModule } from './order/index.js';
import { paymentModule } from './payment/index.js';
import { reviewModule } from './review/index.js';
import { searchModule } from './search/index.js';
import { userModule } from './user/index.js';
import { verificationModule } from './verification/index.js';

/** Every service of Linggong, in start order. */
export const ALL_SERVICES: AnyServiceModule[] = [
  userModule,
  verificationModule,
  paymentModule,
  jobModule,
  orderModule,
  reviewModule,
  messageModule,
  searchModule,
];
