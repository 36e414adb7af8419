import { defineErrors } from '../../platform/errors.js';

/** The order service's error codes (stable; clients switch on them). */
export const OrderErrors = defineErrors({
  APPLICATION_NOT_FOUND: { status: 404, zh: '报名记录不存在', en: 'No such application' },
  ORDER_NOT_FOUND: { status: 404, zh: '订单不存在', en: 'No such order' },
  JOB_NOT_FOUND: { status: 404, zh: '职位不存在', en: 'Job not found' },
  SHIFT_NOT_FOUND: { status: 404, zh: '班次不存在', en: 'Shift not found' },
  SHIFT_FULL: { status: 409, zh: '该班次名额已满', en: 'This shift has no open places left' },
  HIRE_FAILED: {
    status: 503,
    zh: '录用未能完成，已撤销（名额与托管资金均已退回），请稍后重试',
    en: 'The hire could not be completed and was undone (place and escrow returned); try again later',
  },
  ALREADY_APPLIED: { status: 409, zh: '你已报名该班次', en: 'You have already applied to this shift' },
  APPLICATION_LIMIT: {
    status: 429,
    zh: (p) => `进行中的报名最多 ${p.limit ?? ''} 个，请先处理已有报名`,
    en: (p) => `At most ${p.limit ?? ''} open applications; settle some first`,
  },
  WORKER_ROLE_REQUIRED: { status: 403, zh: '请先开通零工角色', en: 'Only workers can apply' },
  JOB_NOT_OPEN: {
    status: 409,
    zh: (p) => `该职位当前不可报名（${p.status ?? ''}）`,
    en: (p) => `The job is not taking applications (${p.status ?? ''})`,
  },
  OWN_JOB: { status: 409, zh: '不能报名自己发布的职位', en: 'You cannot apply to your own job' },
  SHIFT_STARTED: { status: 409, zh: '该班次已开始', en: 'The shift has already started' },
  AGE_REQUIREMENT: {
    status: 403,
    zh: (p) => `该职位要求年满 ${p.minAge ?? ''} 周岁，请先完成实名认证`,
    en: (p) => `The job requires age ${p.minAge ?? ''} or over, shown by a verified real name`,
  },
  SKILLS_REQUIRED: {
    status: 403,
    zh: (p) => `该职位要求技能：${p.missing ?? ''}`,
    en: (p) => `The job requires these skills: ${p.missing ?? ''}`,
  },
  TERMS_CHANGED: {
    status: 409,
    zh: '职位的薪酬、结算方式、地点或班次时间已变更，请工人按新条件重新报名',
    en: "The job's pay, settlement, place or shift times changed; the worker must apply again",
  },
  PIECE_MAX_REQUIRED: {
    status: 400,
    zh: '计件职位录用时须填写最多计件数量（pieceMax）',
    en: 'Hiring for piece work needs the most pieces paid (pieceMax)',
  },
  ORDER_STATE_INVALID: {
    status: 409,
    zh: (p) => `订单当前状态为 ${p.state ?? ''}，不能执行 ${p.action ?? ''}`,
    en: (p) => `The order is ${p.state ?? ''}: ${p.action ?? ''} is not possible`,
  },
  APPLICATION_STATE_INVALID: {
    status: 409,
    zh: (p) => `报名当前状态为 ${p.status ?? ''}，不能执行此操作`,
    en: (p) => `The application is ${p.status ?? ''}: this is not possible`,
  },
  ORDER_ACTION_FORBIDDEN: {
    status: 403,
    zh: (p) => `你不能对该订单执行 ${p.action ?? ''}`,
    en: (p) => `You may not ${p.action ?? ''} this order`,
  },
  OUTSIDE_GEOFENCE: {
    status: 422,
    zh: (p) => `距工作地点 ${p.distance ?? ''} 米，须在 ${p.fence ?? ''} 米以内打卡（或使用现场签到码）`,
    en: (p) =>
      `You are ${p.distance ?? ''} m from the workplace; check in within ${p.fence ?? ''} m (or use the on-site code)`,
  },
  OUTSIDE_CHECK_IN_WINDOW: {
    status: 422,
    zh: (p) => `打卡时间为 ${p.from ?? ''} 至 ${p.until ?? ''}`,
    en: (p) => `Check-in is open from ${p.from ?? ''} to ${p.until ?? ''}`,
  },
  OUTSIDE_CHECK_OUT_WINDOW: {
    status: 422,
    zh: (p) => `签退须在 ${p.until ?? ''} 之前`,
    en: (p) => `Check out before ${p.until ?? ''}`,
  },
  FIX_REQUIRED: {
    status: 400,
    zh: '请提供定位（lng、lat）或现场签到码',
    en: 'Send your position (lng, lat) or the on-site code',
  },
  FALLBACK_CODE_INVALID: { status: 422, zh: '现场签到码不正确', en: 'The on-site code is wrong' },
  PIECE_COUNT_INVALID: {
    status: 400,
    zh: (p) => `计件数量须在 0 至 ${p.max ?? ''} 之间`,
    en: (p) => `The piece count must be between 0 and ${p.max ?? ''}`,
  },
  ADJUST_MINUTES_INVALID: {
    status: 400,
    zh: (p) => `工时须在 0 至 ${p.max ?? ''} 分钟之间`,
    en: (p) => `Worked minutes must be between 0 and ${p.max ?? ''}`,
  },
  CONTEST_WINDOW_OPEN: {
    status: 409,
    zh: (p) => `工人可在 ${p.until ?? ''} 前对调整后的工时提出异议，届时将自动确认`,
    en: (p) =>
      `The worker may contest the adjusted hours until ${p.until ?? ''}; the order confirms itself then`,
  },
  CONTEST_WINDOW_CLOSED: {
    status: 409,
    zh: '工时异议期已过',
    en: 'The time to contest the hours has passed',
  },
  DISPUTE_NOT_FOUND: { status: 404, zh: '纠纷不存在', en: 'No such dispute' },
  DISPUTE_CLOSED: {
    status: 409,
    zh: '该纠纷已处理或已答复',
    en: 'The dispute is decided or already answered',
  },
  RESPONSE_WINDOW_CLOSED: {
    status: 409,
    zh: (p) => `答复期限已于 ${p.until ?? ''} 截止，平台将根据现有材料裁决`,
    en: (p) => `The time to answer ended at ${p.until ?? ''}; an admin decides on what is there`,
  },
  EVIDENCE_INVALID: {
    status: 400,
    zh: '证据须为 PNG、JPEG 或 WebP 图片，不超过 5 MB',
    en: 'Evidence must be a PNG, JPEG or WebP image of at most 5 MB',
  },
  EVIDENCE_NOT_FOUND: { status: 404, zh: '证据文件不存在', en: 'No such evidence file' },
  DISPUTE_SPLIT_INVALID: {
    status: 400,
    zh: (p) => `工人所得须在 0 至 ${p.max ?? ''} 分之间`,
    en: (p) => `The worker's share must be between 0 and ${p.max ?? ''} fen`,
  },
  EVIDENCE_LIMIT: {
    status: 409,
    zh: (p) => `每个纠纷最多 ${p.limit ?? ''} 个证据文件`,
    en: (p) => `At most ${p.limit ?? ''} evidence files per dispute`,
  },
  INVITEE_NOT_WORKER: { status: 409, zh: '该用户不存在或不是零工，不能邀请', en: 'No such worker to invite' },
});
