import { formatInstant } from '../../src/platform/clock.js';
import type { TestPlatform } from './platform.js';
import type { LoggedIn } from './users.js';

const HOUR = 3_600_000;

/** An instant `hours` from the platform's (fake) now, as the API takes it (+08:00). */
export function at(p: TestPlatform, hours: number): string {
  return formatInstant(p.clock.now() + hours * HOUR, 'Asia/Shanghai');
}

/** A complete, clean job post: a cleaning job in Shanghai with two shifts starting tomorrow. */
export function jobPost(p: TestPlatform, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: '商场日常保洁 日结200元',
    description: '负责商场公共区域日常保洁，工作轻松，包午餐，当天结算。',
    category: 'housekeeping.cleaner',
    tags: ['日结', '包午餐'],
    pay: { type: 'daily', amountFen: 20000 },
    settlement: 'daily',
    shifts: [
      { startsAt: at(p, 24), endsAt: at(p, 32), headcount: 3 },
      { startsAt: at(p, 48), endsAt: at(p, 56), headcount: 2 },
    ],
    requirements: { minAge: 18 },
    contact: { name: '王经理', phone: '13912345678' },
    place: {
      address: '上海市浦东新区世纪大道100号',
      city: '上海市',
      district: '浦东新区',
      location: { lng: 121.5272106, lat: 31.1774276, system: 'wgs84' },
    },
    ...overrides,
  };
}

export interface JobView {
  id: string;
  version: number;
  status: string;
  shifts: { id: string; headcount: number; openings: number; locked: boolean; hired?: number }[];
  [key: string]: unknown;
}

export async function createJob(
  p: TestPlatform,
  employer: LoggedIn,
  overrides: Record<string, unknown> = {},
): Promise<JobView> {
  const res = await p.app.inject({
    method: 'POST',
    url: '/api/v1/jobs',
    headers: employer.auth,
    payload: jobPost(p, overrides),
  });
  if (res.statusCode !== 201) throw new Error(`create answered ${res.statusCode}: ${res.body}`);
  return res.json() as JobView;
}

/** Creates and submits a clean job: it is open when this returns. */
export async function openJob(
  p: TestPlatform,
  employer: LoggedIn,
  overrides: Record<string, unknown> = {},
): Promise<JobView> {
  const draft = await createJob(p, employer, overrides);
  const res = await p.app.inject({
    method: 'POST',
    url: `/api/v1/jobs/${draft.id}/submit`,
    headers: employer.auth,
    payload: { version: draft.version },
  });
  if (res.statusCode !== 200) throw new Error(`submit answered ${res.statusCode}: ${res.body}`);
  return res.json() as JobView;
}
