import type { Static } from 'typebox';
import type {
  AgreementSchema,
  ApplicantPage,
  ApplicationPage,
  ApplicationViewSchema,
  ApplyAnswer,
  DisputePage,
  DisputeSchema,
  JobSettingsSchema,
  OrderDetailSchema,
  OrderPage,
  OrderViewSchema,
} from './order.schemas.js';

/**
 * Example requests and answers of the order routes, for the API description (route-docs.ts); each
 * is checked against its route's schema (test/http/openapi.test.ts).
 */
export const EXAMPLE_JOB_ID = '01JEXAMP1EJ0B0000000000001';
export const EXAMPLE_SHIFT_ID = '01JEXAMP1ESH1FT00000000001';
export const EXAMPLE_APPLICATION_ID = '01JEXAMP1EAPP11CAT10N00001';
export const EXAMPLE_ORDER_ID = '01JEXAMP1E0RDER0000000001A';
export const EXAMPLE_DISPUTE_ID = '01JEXAMP1ED1SPVTE000000001';
export const EXAMPLE_WORKER_ID = '01JEXAMP1EW0RKER0000000001';
export const EXAMPLE_EMPLOYER_ID = '01JEXAMP1EEMP10YER00000001';

export const applicationExample: Static<typeof ApplicationViewSchema> = {
  id: EXAMPLE_APPLICATION_ID,
  jobId: EXAMPLE_JOB_ID,
  shiftId: EXAMPLE_SHIFT_ID,
  workerId: EXAMPLE_WORKER_ID,
  employerId: EXAMPLE_EMPLOYER_ID,
  status: 'pending',
  source: 'apply',
  jobVersion: 3,
  note: '有三年餐厅传菜经验',
  pieceMax: null,
  orderId: null,
  reason: null,
  shiftStartsAt: '2026-12-12T09:00:00+08:00',
  createdAt: '2026-12-07T10:00:00+08:00',
  updatedAt: '2026-12-07T10:00:00+08:00',
};

export const orderExample: Static<typeof OrderViewSchema> = {
  id: EXAMPLE_ORDER_ID,
  state: 'hired',
  version: 2,
  applicationId: EXAMPLE_APPLICATION_ID,
  jobId: EXAMPLE_JOB_ID,
  shiftId: EXAMPLE_SHIFT_ID,
  workerId: EXAMPLE_WORKER_ID,
  employerId: EXAMPLE_EMPLOYER_ID,
  terms: {
    jobVersion: 3,
    payType: 'hourly',
    rateFen: 2500,
    settlement: 'daily',
    pieceMax: null,
    wageFen: 20000,
    shift: { startsAt: '2026-12-12T09:00:00+08:00', endsAt: '2026-12-12T17:00:00+08:00' },
    place: { lng: 119.296494, lat: 26.074508 },
    fenceMeters: 500,
    agreementSha256: '9f2c1e0b7d5a4c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3a29180f7e6d5c4b3a',
  },
  attendance: {
    checkedInAt: null,
    checkInMeters: null,
    checkedOutAt: null,
    checkOutMeters: null,
    workedMinutes: null,
    adjustedMinutes: null,
    adjustReason: null,
    contestUntil: null,
  },
  pieceCount: null,
  submittedAt: null,
  completedAt: null,
  payFen: null,
  escrow: { action: null, pendingSettlement: false, movedAt: null, settledAt: null },
  cancelledBy: null,
  reason: null,
  createdAt: '2026-12-07T11:00:00+08:00',
  updatedAt: '2026-12-07T11:00:00+08:00',
};

export const checkedInExample: Static<typeof OrderViewSchema> = {
  ...orderExample,
  state: 'checked_in',
  version: 3,
  attendance: { ...orderExample.attendance, checkedInAt: '2026-12-12T08:52:00+08:00', checkInMeters: 38 },
  updatedAt: '2026-12-12T08:52:00+08:00',
};

export const completedExample: Static<typeof OrderViewSchema> = {
  ...orderExample,
  state: 'completed',
  version: 6,
  attendance: {
    ...checkedInExample.attendance,
    checkedOutAt: '2026-12-12T17:03:00+08:00',
    checkOutMeters: 41,
    workedMinutes: 480,
  },
  submittedAt: '2026-12-12T17:05:00+08:00',
  completedAt: '2026-12-12T18:00:00+08:00',
  payFen: 20000,
  escrow: {
    action: 'release',
    pendingSettlement: false,
    movedAt: '2026-12-12T18:00:00+08:00',
    settledAt: null,
  },
  updatedAt: '2026-12-12T18:00:00+08:00',
};

export const cancelledExample: Static<typeof OrderViewSchema> = {
  ...orderExample,
  state: 'cancelled',
  version: 3,
  payFen: 5000,
  escrow: {
    action: 'release',
    pendingSettlement: false,
    movedAt: '2026-12-12T07:00:00+08:00',
    settledAt: null,
  },
  cancelledBy: 'employer',
  reason: '活动取消',
  updatedAt: '2026-12-12T07:00:00+08:00',
};

export const orderDetailExample: Static<typeof OrderDetailSchema> = {
  ...checkedInExample,
  transitions: [
    {
      from: 'hiring',
      to: 'hired',
      actor: 'system',
      actorId: null,
      reason: null,
      detail: null,
      at: '2026-12-07T11:00:00+08:00',
    },
    {
      from: 'hired',
      to: 'checked_in',
      actor: 'worker',
      actorId: EXAMPLE_WORKER_ID,
      reason: null,
      detail: { method: 'gps', meters: 38 },
      at: '2026-12-12T08:52:00+08:00',
    },
  ],
};

export const applyExample: Static<typeof ApplyAnswer> = { application: applicationExample, order: null };
export const applicationPageExample: Static<typeof ApplicationPage> = {
  items: [applicationExample],
  nextCursor: null,
};
export const applicantPageExample: Static<typeof ApplicantPage> = {
  items: [
    {
      ...applicationExample,
      worker: {
        id: EXAMPLE_WORKER_ID,
        displayName: '小王',
        avatarUrl: null,
        skills: ['food.waiter'],
        memberSince: '2026-11-02',
        realNameVerified: true,
        creditScore: 688,
        creditLevel: 'very_good',
        rating: { count: 12, average: 4.75 },
      },
    },
  ],
  nextCursor: null,
};
export const orderPageExample: Static<typeof OrderPage> = { items: [orderExample], nextCursor: null };

const agreementTerms = {
  orderId: EXAMPLE_ORDER_ID,
  jobId: EXAMPLE_JOB_ID,
  jobVersion: 3,
  workerId: EXAMPLE_WORKER_ID,
  employerId: EXAMPLE_EMPLOYER_ID,
  wageFen: 20000,
};
export const agreementExample: Static<typeof AgreementSchema> = {
  orderId: EXAMPLE_ORDER_ID,
  sha256: orderExample.terms.agreementSha256,
  canonical: JSON.stringify(agreementTerms),
  agreement: agreementTerms,
};

export const disputeExample: Static<typeof DisputeSchema> = {
  id: EXAMPLE_DISPUTE_ID,
  orderId: EXAMPLE_ORDER_ID,
  openedAs: 'worker',
  reason: '实际工作 8 小时，雇主只按 6 小时确认',
  evidence: [{ index: 0, contentType: 'image/jpeg', size: 183204, by: 'worker' }],
  response: null,
  respondBy: '2026-12-14T18:00:00+08:00',
  status: 'open',
  workerFen: null,
  decision: null,
  decidedAt: null,
  fault: null,
  createdAt: '2026-12-12T18:00:00+08:00',
};
export const decidedDisputeExample: Static<typeof DisputeSchema> = {
  ...disputeExample,
  status: 'decided',
  workerFen: 18000,
  decision: '按考勤记录支付 7.2 小时',
  decidedAt: '2026-12-15T10:00:00+08:00',
  fault: 'employer',
};
export const disputePageExample: Static<typeof DisputePage> = { items: [disputeExample], nextCursor: null };

export const jobSettingsExample: Static<typeof JobSettingsSchema> = {
  jobId: EXAMPLE_JOB_ID,
  autoHire: true,
  pieceMax: null,
  fenceMeters: 300,
  minCreditScore: 600,
};
