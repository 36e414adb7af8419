import { businessDay, type Clock } from '../../platform/clock.js';
import type { Principal } from '../../platform/http/auth.js';
import { DEMO_EMPLOYER_ID } from '../user/index.js';
import type { JobRepository } from './job.repository.js';
import type { CreateJobInput } from './job.schemas.js';
import type { JobService } from './job.service.js';

/** How demo jobs are told apart from real ones: this title prefix, and DEMO_NOTE ending the description. */
export const DEMO_TITLE_PREFIX = '【示例】';
const DEMO_NOTE = '（示例数据：开发环境首次启动时生成，并非真实招聘。）';

/** How many days ahead the demo jobs have shifts: they stay searchable about two weeks, then expire. */
const DEMO_DAYS = 14;
const DAY_MS = 86_400_000;
/** The demo places are in Shanghai, so shifts are stated in its offset whatever the business zone. */

interface DemoJob extends Omit<CreateJobInput, 'shifts' | 'contact' | 'place'> {
  /** Local hours of each day's shift; an end at or before the start ends the next day. */
  hours: [start: string, end: string];
  /** Shifts on this many consecutive days from tomorrow. */
  days: number;
  headcount: number;
  address: string;
  district: string;
  /** A map pick (GCJ-02), within a few km of the README's search point in 浦东新区. */
  at: [lng: number, lat: number];
}

// Distances from the README's search point (WGS-84 121.5272, 31.1774) are 0.3–3.4 km: the
// search example finds the two daily cleaning jobs within 3 km and none of the others.
const DEMO_JOBS: DemoJob[] = [
  {
    title: '商场保洁员 日结200元',
    description: '负责商场公共区域及卫生间日常保洁，工具由商场提供，包午餐，当天下班结算。',
    category: 'housekeeping.cleaner',
    tags: ['日结', '包午餐'],
    pay: { type: 'daily', amountFen: 20_000 },
    settlement: 'daily',
    hours: ['09:00', '17:00'],
    days: DEMO_DAYS,
    headcount: 3,
    address: '上海市浦东新区杨高南路 1000 号',
    district: '浦东新区',
    at: [121.5335, 31.1778],
  },
  {
    title: '写字楼早班保洁 日结180元',
    description: '写字楼办公区早班保洁：擦拭桌面、清运垃圾、拖地。早七点到岗，工作八小时，当天结算。',
    category: 'housekeeping.cleaner',
    tags: ['日结', '早班'],
    pay: { type: 'daily', amountFen: 18_000 },
    settlement: 'daily',
    hours: ['07:00', '15:00'],
    days: DEMO_DAYS,
    headcount: 2,
    address: '上海市浦东新区锦绣路 200 号',
    district: '浦东新区',
    at: [121.5401, 31.1702],
  },
  {
    title: '新房开荒保洁 时薪40元',
    description: '新装修住宅开荒保洁：清理施工残留、擦玻璃、清洁厨卫。有开荒经验优先，每周结算。',
    category: 'housekeeping.deep_clean',
    tags: ['周结', '有经验优先'],
    pay: { type: 'hourly', amountFen: 4_000 },
    settlement: 'weekly',
    hours: ['08:30', '16:30'],
    days: DEMO_DAYS,
    headcount: 4,
    address: '上海市浦东新区高科西路 300 号',
    district: '浦东新区',
    at: [121.5148, 31.1869],
  },
  {
    title: '餐厅服务员 午晚高峰 时薪28元',
    description: '中餐厅午市和晚市点单、传菜、翻台。需持有效健康证，提供工作餐，按周结算。',
    category: 'food.waiter',
    tags: ['包餐', '周结'],
    pay: { type: 'hourly', amountFen: 2_800 },
    settlement: 'weekly',
    hours: ['11:00', '20:00'],
    days: DEMO_DAYS,
    headcount: 2,
    address: '上海市浦东新区杨高南路 800 号',
    district: '浦东新区',
    at: [121.5262, 31.1731],
  },
  {
    title: '快递分拣 夜班 计件',
    description: '快递网点夜班分拣：按目的地扫码分拣包裹，每件0.3元，多劳多得，次日结算。',
    category: 'logistics.sorter',
    tags: ['夜班', '计件'],
    pay: { type: 'piece', amountFen: 30, unit: '件' },
    settlement: 'daily',
    hours: ['20:00', '04:00'],
    days: DEMO_DAYS,
    headcount: 10,
    address: '上海市浦东新区成山路 500 号',
    district: '浦东新区',
    at: [121.5089, 31.1648],
  },
  {
    title: '超市饮品促销员 日结220元',
    description: '超市饮品区试饮推广与理货，形象大方、普通话流利，统一提供工装，当天结算。',
    category: 'retail.promoter',
    tags: ['日结', '试饮'],
    pay: { type: 'daily', amountFen: 22_000 },
    settlement: 'daily',
    hours: ['10:00', '18:00'],
    days: DEMO_DAYS,
    headcount: 2,
    address: '上海市浦东新区浦建路 600 号',
    district: '浦东新区',
    at: [121.5378, 31.1806],
  },
  {
    title: '居民搬家 两人半天 一口价600元',
    description: '两室一厅居民搬家，同小区内搬运家具和纸箱，约四小时，完工后结算，需两人。',
    category: 'moving.mover',
    tags: ['一口价', '完工结'],
    pay: { type: 'fixed', amountFen: 60_000 },
    settlement: 'on_completion',
    hours: ['09:00', '13:00'],
    days: 1,
    headcount: 2,
    address: '上海市浦东新区东方路 3000 号',
    district: '浦东新区',
    at: [121.5655, 31.1851],
  },
];

/** The demo employer, as the job service's use cases take an owner. */
const demoEmployer: Principal = { userId: DEMO_EMPLOYER_ID, roles: ['employer'], sessionId: 'demo-seed' };

/** `YYYY-MM-DD` in Shanghai, `days` after the day of `now`. */
const shanghaiDate = (now: number, days: number): string => businessDay(now + days * DAY_MS, 'Asia/Shanghai');

/** Shifts on `days` consecutive days from tomorrow, in Shanghai time. */
function demoShifts(job: DemoJob, now: number): CreateJobInput['shifts'] {
  const [start, end] = job.hours;
  return Array.from({ length: job.days }, (_, i) => ({
    startsAt: `${shanghaiDate(now, i + 1)}T${start}:00+08:00`,
    endsAt: `${shanghaiDate(now, end <= start ? i + 2 : i + 1)}T${end}:00+08:00`,
    headcount: job.headcount,
  }));
}

function demoInput(job: DemoJob, now: number): CreateJobInput {
  const { hours: _hours, days: _days, headcount: _headcount, address, district, at, ...fields } = job;
  return {
    ...fields,
    title: `${DEMO_TITLE_PREFIX}${job.title}`,
    description: `${job.description}\n${DEMO_NOTE}`,
    shifts: demoShifts(job, now),
    contact: { name: '李经理', phone: '13800000002' },
    place: { address, city: '上海市', district, location: { lng: at[0], lat: at[1], system: 'gcj02' } },
  };
}

/**
 * Posts the demo jobs of the demo employer (development only; the caller decides): each is drafted
 * and submitted through the service's own use cases, so moderation runs, the versions are stored
 * and `job.published` reaches the search index like any post. A demo job the employer has already
 * (by title) is not posted again, and one left a draft by a start that stopped half-way is
 * submitted now. Returns the lines to print (none when there was nothing to do).
 */
export async function seedDemoJobs(deps: {
  jobs: JobService;
  repo: JobRepository;
  clock: Clock;
}): Promise<string[]> {
  const { jobs, repo, clock } = deps;
  const have = new Map(
    (await repo.listByEmployer(DEMO_EMPLOYER_ID, { limit: 100 })).map((r) => [r.title, r] as const),
  );
  let posted = 0;
  let open = 0;
  for (const demo of DEMO_JOBS) {
    const found = have.get(`${DEMO_TITLE_PREFIX}${demo.title}`);
    if (found && found.status !== 'draft') continue;
    const draft = found
      ? { id: found.id, version: found.version }
      : await jobs.create(demoEmployer, demoInput(demo, clock.now()));
    const submitted = await jobs.submit(demoEmployer, draft.id, draft.version);
    posted++;
    if (submitted.status === 'open') open++;
  }
  if (posted === 0) return [];
  const waiting = posted - open;
  return [
    `jobs     ${posted} demo jobs of the employer, titled ${DEMO_TITLE_PREFIX}…, in 上海市浦东新区` +
      (waiting > 0 ? ` (${waiting} in the admin review queue)` : ''),
  ];
}
