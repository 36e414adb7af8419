import type { Static } from 'typebox';
import type {
  CategoriesResponse,
  CategorySchema,
  CreateJobBody,
  HiresResponse,
  JobSummarySchema,
  MineResponse,
  OpenJobsResponse,
  OwnerJobSchema,
  PublicJobSchema,
  ReviewQueueResponse,
  TermsSchema,
} from './job.schemas.js';

/**
 * Example requests and answers of the job routes, for the API description (route-docs.ts). One
 * job, seen through each view, so the examples of routes answering the same shape agree; each is
 * checked against its route's schema (test/http/openapi.test.ts).
 */
export const EXAMPLE_JOB_ID = '01JEXAMP1EJ0B0000000000001';
export const EXAMPLE_SHIFT_ID = '01JEXAMP1ESH1FT00000000001';
const EMPLOYER_ID = '01JEXAMP1EEMP10YER00000001';

export const createJobExample: Static<typeof CreateJobBody> = {
  title: '商场日常保洁 日结200元',
  description: '负责商场公共区域日常保洁，工作轻松，包午餐，当天结算。',
  category: 'housekeeping.cleaner',
  tags: ['日结', '包午餐'],
  pay: { type: 'daily', amountFen: 20000 },
  settlement: 'daily',
  shifts: [{ startsAt: '2026-12-01T09:00:00+08:00', endsAt: '2026-12-01T17:00:00+08:00', headcount: 3 }],
  requirements: { minAge: 18 },
  contact: { name: '王经理', phone: '13912345678' },
  place: {
    address: '上海市浦东新区世纪大道100号',
    city: '上海市',
    district: '浦东新区',
    location: { lng: 121.5272106, lat: 31.1774276, system: 'wgs84' },
  },
};

const pay = { type: 'daily' as const, amountFen: 20000, unit: null, display: '200元/天' };
const shift = {
  id: EXAMPLE_SHIFT_ID,
  startsAt: '2026-12-01T09:00:00+08:00',
  endsAt: '2026-12-01T17:00:00+08:00',
  headcount: 3,
  openings: 1,
  locked: true,
};

/** The job as the public (and the order service, as its terms) sees it. */
export const termsExample: Static<typeof TermsSchema> = {
  id: EXAMPLE_JOB_ID,
  version: 3,
  status: 'open',
  employerId: EMPLOYER_ID,
  title: '商场日常保洁 日结200元',
  description: '负责商场公共区域日常保洁，工作轻松，包午餐，当天结算。',
  category: 'housekeeping.cleaner',
  categoryName: '保洁员',
  tags: ['日结', '包午餐'],
  pay,
  settlement: 'daily',
  shifts: [shift],
  requirements: { skills: [], minAge: 18, certificates: [] },
  contact: { name: '王经理', phone: '139****5678' },
  place: {
    address: '上海市浦东新区世纪大道100号',
    city: '上海市',
    district: '浦东新区',
    location: { lng: 121.531617, lat: 31.175521 },
  },
  startsAt: '2026-12-01T09:00:00+08:00',
  endsAt: '2026-12-01T17:00:00+08:00',
  publishedAt: '2026-11-20T10:15:00+08:00',
  employerVerified: true,
};

export const publicJobExample: Static<typeof PublicJobSchema> = {
  ...termsExample,
  viewCount: 128,
  employerReputation: { creditScore: 712, creditLevel: 'very_good', rating: { count: 31, average: 4.81 } },
};

export const openJobsExample: Static<typeof OpenJobsResponse> = { items: [termsExample] };

/** The job as its employer sees it, in the state each route leaves it. */
export const ownerJobExample: Static<typeof OwnerJobSchema> = {
  ...termsExample,
  viewCount: 128,
  contact: { name: '王经理', phone: '13912345678' },
  shifts: [{ ...shift, hired: 2 }],
  moderationNote: null,
  closeReason: null,
  createdAt: '2026-11-20T10:02:41+08:00',
  updatedAt: '2026-11-21T08:30:00+08:00',
  closedAt: null,
  takenDownAt: null,
};

const unpublished = { publishedAt: null, viewCount: 0 };
const fresh = { openings: 3, locked: false, hired: 0 };
export const draftJobExample: Static<typeof OwnerJobSchema> = {
  ...ownerJobExample,
  ...unpublished,
  version: 1,
  status: 'draft',
  shifts: [{ ...shift, ...fresh }],
  updatedAt: '2026-11-20T10:02:41+08:00',
};
export const editedJobExample: Static<typeof OwnerJobSchema> = {
  ...ownerJobExample,
  version: 4,
  title: '商场日常保洁 日结220元',
  pay: { ...pay, amountFen: 22000, display: '220元/天' },
  updatedAt: '2026-11-21T09:12:05+08:00',
};
export const submittedJobExample: Static<typeof OwnerJobSchema> = {
  ...draftJobExample,
  version: 2,
  status: 'in_review',
  updatedAt: '2026-11-20T10:05:12+08:00',
};
export const approvedJobExample: Static<typeof OwnerJobSchema> = {
  ...submittedJobExample,
  version: 3,
  status: 'open',
  moderationNote: '已核实',
  publishedAt: '2026-11-20T10:15:00+08:00',
  updatedAt: '2026-11-20T10:15:00+08:00',
};
export const rejectedJobExample: Static<typeof OwnerJobSchema> = {
  ...submittedJobExample,
  version: 3,
  status: 'draft',
  moderationNote: '薪资描述不清',
  updatedAt: '2026-11-20T10:15:00+08:00',
};
export const closedJobExample: Static<typeof OwnerJobSchema> = {
  ...ownerJobExample,
  version: 6,
  status: 'closed',
  closeReason: '人已招满',
  updatedAt: '2026-11-25T18:00:00+08:00',
  closedAt: '2026-11-25T18:00:00+08:00',
};
export const takenDownJobExample: Static<typeof OwnerJobSchema> = {
  ...closedJobExample,
  closeReason: '涉嫌虚假招聘',
  takenDownAt: '2026-11-25T18:00:00+08:00',
};
export const archivedJobExample: Static<typeof OwnerJobSchema> = {
  ...closedJobExample,
  version: 7,
  status: 'archived',
  updatedAt: '2026-12-02T09:00:00+08:00',
};

const summary: Static<typeof JobSummarySchema> = {
  id: EXAMPLE_JOB_ID,
  version: 3,
  status: 'open',
  title: '商场日常保洁 日结200元',
  category: 'housekeeping.cleaner',
  pay,
  city: '上海市',
  startsAt: '2026-12-01T09:00:00+08:00',
  endsAt: '2026-12-01T17:00:00+08:00',
  headcount: 3,
  hired: 2,
  viewCount: 128,
  moderationNote: null,
  updatedAt: '2026-11-21T08:30:00+08:00',
};
const pieceSummary: Static<typeof JobSummarySchema> = {
  id: '01JEXAMP1EJ0B0000000000002',
  version: 2,
  status: 'open',
  title: '快递分拣 计件1.5元/件',
  category: 'logistics.sorter',
  pay: { type: 'piece', amountFen: 150, unit: '件', display: '1.5元/件' },
  city: '上海市',
  startsAt: '2026-12-03T20:00:00+08:00',
  endsAt: '2026-12-04T06:00:00+08:00',
  headcount: 10,
  hired: 0,
  viewCount: 57,
  moderationNote: null,
  updatedAt: '2026-11-22T14:40:00+08:00',
};

export const mineExample: Static<typeof MineResponse> = {
  items: [summary, pieceSummary],
  nextCursor: 'eyJ1IjoxNzY0MDAwMDAwMDAwfQ',
  counts: { draft: 1, in_review: 0, open: 2, filled: 0, closed: 3, expired: 1, archived: 0 },
};

export const reviewQueueExample: Static<typeof ReviewQueueResponse> = {
  items: [
    {
      ...summary,
      id: '01JEXAMP1EJ0B0000000000003',
      version: 2,
      status: 'in_review',
      title: '展会地推 时薪25元',
      category: 'retail.flyer',
      pay: { type: 'hourly', amountFen: 2500, unit: null, display: '25元/小时' },
      headcount: 5,
      hired: 0,
      viewCount: 0,
      updatedAt: '2026-11-20T10:05:12+08:00',
    },
  ],
  nextCursor: null,
};

export const categoriesExample: Static<typeof CategoriesResponse> = {
  taxonomyVersion: '2026.1',
  items: [
    {
      code: 'housekeeping',
      zh: '家政保洁',
      en: 'Housekeeping & cleaning',
      children: [
        { code: 'housekeeping.cleaner', zh: '保洁员', en: 'Cleaner' },
        { code: 'housekeeping.deep_clean', zh: '开荒保洁', en: 'Post-renovation cleaning' },
      ],
    },
  ],
};

export const categoryExample: Static<typeof CategorySchema> = {
  code: 'housekeeping.cleaner',
  parent: 'housekeeping',
  zh: '保洁员',
  en: 'Cleaner',
  enabled: true,
};

export const hiresExample: Static<typeof HiresResponse> = {
  jobId: EXAMPLE_JOB_ID,
  shiftId: EXAMPLE_SHIFT_ID,
  version: 3,
  status: 'open',
  hired: 2,
  headcount: 3,
};
