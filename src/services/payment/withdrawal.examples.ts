import type { AdminWithdrawal, WithdrawalView } from './withdrawal.schemas.js';

/** Examples of the withdrawal routes' requests and answers (the API description shows them). */
export const EXAMPLE_WITHDRAWAL_ID = '01JEWD5T7Q3K9X2M4N6P8R0S1V';
const EXAMPLE_USER_ID = '01JEWC8N2B4D6F8H0J2K4M6P8Q';
const EXAMPLE_ADMIN_ID = '01JEWA1B3C5D7E9F1G3H5J7K9M';

export const createWithdrawalExample = {
  channel: 'alipay',
  account: '13812345678',
  payeeName: '王小明',
  amountFen: 20000,
};

export const withdrawalExample: WithdrawalView = {
  id: EXAMPLE_WITHDRAWAL_ID,
  channel: 'alipay',
  account: '138****5678',
  amountFen: 20000,
  feeFen: 0,
  status: 'succeeded',
  reason: null,
  channelTransactionId: '20261207110070000006210012345678',
  userConfirmation: null,
  createdAt: '2026-12-07T10:15:00+08:00',
  finishedAt: '2026-12-07T10:15:02+08:00',
};

export const withdrawalPageExample = { items: [withdrawalExample], nextCursor: null };

export const reviewWithdrawalExample: AdminWithdrawal = {
  ...withdrawalExample,
  amountFen: 800000,
  status: 'review',
  channelTransactionId: null,
  finishedAt: null,
  userId: EXAMPLE_USER_ID,
  reviewedBy: null,
  updatedAt: '2026-12-07T10:15:00+08:00',
};

export const reviewPageExample = { items: [reviewWithdrawalExample], nextCursor: null };

export const approvedWithdrawalExample: AdminWithdrawal = {
  ...reviewWithdrawalExample,
  status: 'succeeded',
  channelTransactionId: '20261207110070000006210087654321',
  reviewedBy: EXAMPLE_ADMIN_ID,
  finishedAt: '2026-12-07T11:02:05+08:00',
  updatedAt: '2026-12-07T11:02:05+08:00',
};

export const rejectedWithdrawalExample: AdminWithdrawal = {
  ...reviewWithdrawalExample,
  status: 'rejected',
  reason: '收款账户信息与历史记录不符，请核实后重新提交',
  reviewedBy: EXAMPLE_ADMIN_ID,
  finishedAt: '2026-12-07T11:02:05+08:00',
  updatedAt: '2026-12-07T11:02:05+08:00',
};
