import { defineErrors } from '../../platform/errors.js';

/** What a hire locks (JOB_TERMS_LOCKED names one in each language). */
const LOCKED_TERMS = {
  pay: { zh: '薪酬与结算方式', en: 'the pay and settlement' },
  place: { zh: '工作地点', en: 'the place' },
  shift_times: { zh: '该班次的时间', en: 'the times of this shift' },
  shift_removal: { zh: '有录用的班次', en: 'a shift with hires (it cannot be removed)' },
} as const;
export type LockedTerm = keyof typeof LOCKED_TERMS;

/** The job service's error codes (stable; clients switch on them). */
export const JobErrors = defineErrors({
  // Not found is also the answer for another employer's job: its existence is not disclosed.
  JOB_NOT_FOUND: { status: 404, zh: '职位不存在', en: 'Job not found' },
  SHIFT_NOT_FOUND: { status: 404, zh: '班次不存在', en: 'Shift not found' },
  JOB_VERSION_CONFLICT: {
    status: 409,
    zh: (p) => `职位已被修改（当前版本 ${p.current}），请刷新后重试`,
    en: (p) => `The job changed meanwhile (now version ${p.current}); reload and try again`,
  },
  JOB_STATE_INVALID: {
    status: 409,
    zh: (p) => `职位当前状态（${p.status}）不允许此操作：${p.action}`,
    en: (p) => `A job in state ${p.status} cannot be ${p.action}`,
  },
  JOB_TERMS_LOCKED: {
    status: 409,
    zh: (p) => `已有人被录用，${LOCKED_TERMS[p.term as LockedTerm].zh}不能再修改`,
    en: (p) => `Someone is already hired, so ${LOCKED_TERMS[p.term as LockedTerm].en} can no longer change`,
  },
  JOB_CONTENT_REFUSED: {
    status: 400,
    zh: (p) => `职位内容未通过审核：${p.reason}`,
    en: (p) => `The job post was refused: ${p.reason}`,
  },
  CATEGORY_UNKNOWN: {
    status: 400,
    zh: (p) => `未知的工种分类：${p.code}`,
    en: (p) => `Unknown category: ${p.code}`,
  },
  CATEGORY_DISABLED: {
    status: 400,
    zh: (p) => `该工种分类已停用：${p.code}`,
    en: (p) => `This category is no longer used for new posts: ${p.code}`,
  },
  INSTANT_INVALID: {
    status: 400,
    zh: '时间须为带时区的 ISO 8601 格式，例如 2026-12-01T09:00:00+08:00',
    en: 'Times must be ISO 8601 with an offset, e.g. 2026-12-01T09:00:00+08:00',
  },
  SHIFT_INVALID: {
    status: 400,
    zh: '班次的结束时间须晚于开始时间，且时长在 15 分钟到 24 小时之间',
    en: 'A shift must end after it starts and last between 15 minutes and 24 hours',
  },
  SHIFT_IN_PAST: { status: 400, zh: '班次须在未来开始', en: 'Shifts must start in the future' },
  SHIFT_TOO_FAR: {
    status: 400,
    zh: '班次须在 180 天内开始',
    en: 'Shifts must start within 180 days',
  },
  SHIFT_HEADCOUNT_BELOW_HIRED: {
    status: 409,
    zh: (p) => `该班次已录用 ${p.hired} 人，招聘人数不能少于此数`,
    en: (p) => `${p.hired} people are hired on this shift; the headcount cannot go below that`,
  },
  SHIFT_FULL: {
    status: 409,
    zh: '该班次名额已满',
    en: 'This shift has no open places left',
  },
  PAY_UNIT_REQUIRED: {
    status: 400,
    zh: '计件工资须注明计件单位（如 件、单）',
    en: 'A piece rate needs its unit (e.g. 件, 单)',
  },
  LOCATION_OUT_OF_CHINA: {
    status: 400,
    zh: '工作地点坐标不在中国境内',
    en: 'The coordinates of the place are not in China',
  },
  LOCATION_REQUIRED: {
    status: 400,
    zh: '未配置地理编码服务，请提供工作地点坐标',
    en: 'No geocoder is configured; give the coordinates of the place',
  },
  ADDRESS_NOT_FOUND: {
    status: 400,
    zh: '无法根据地址定位，请检查地址或直接提供坐标',
    en: 'The address could not be located; check it or give coordinates',
  },
  GEOCODER_UNAVAILABLE: {
    status: 503,
    zh: '地理编码服务暂不可用，请稍后重试或直接提供坐标',
    en: 'The geocoder is unavailable; try again later or give coordinates',
  },
});
