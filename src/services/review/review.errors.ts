import { defineErrors } from '../../platform/errors.js';

/** The review service's error codes (stable; clients switch on them). */
export const ReviewErrors = defineErrors({
  REVIEW_ORDER_NOT_FOUND: {
    status: 404,
    zh: '没有可评价的订单（订单不存在、尚未完成或你不是订单的一方）',
    en: 'No order to review (no such order, not completed yet, or you are not one of its parties)',
  },
  REVIEW_NOT_FOUND: { status: 404, zh: '评价不存在', en: 'No such review' },
  USER_NOT_FOUND: { status: 404, zh: '用户不存在', en: 'No such user' },
  ALREADY_REVIEWED: { status: 409, zh: '你已评价过该订单', en: 'You have already reviewed this order' },
  REVIEW_WINDOW_CLOSED: {
    status: 409,
    zh: (p) => `评价期已于 ${p.closedAt ?? ''} 结束`,
    en: (p) => `The review period ended at ${p.closedAt ?? ''}`,
  },
  REVIEW_TAGS_INVALID: {
    status: 400,
    zh: (p) => `标签不可用：${p.tags ?? ''}`,
    en: (p) => `These tags are not offered for this review: ${p.tags ?? ''}`,
  },
  REVIEW_TEXT_REFUSED: {
    status: 400,
    zh: (p) => `评价内容含有违规信息（${p.terms ?? ''}），请修改后再提交`,
    en: (p) => `The review contains prohibited content (${p.terms ?? ''}); edit it and send again`,
  },
  REVIEW_NOT_PUBLISHED: {
    status: 409,
    zh: '评价尚未公开，公开后才能回复',
    en: 'The review is not published yet; it can be answered once published',
  },
  REPLY_FORBIDDEN: { status: 403, zh: '只有被评价的一方可以回复', en: 'Only the reviewed party may reply' },
  ALREADY_REPLIED: { status: 409, zh: '该评价已回复过', en: 'This review has already been answered' },
  ALREADY_REPORTED: { status: 409, zh: '你已举报过该评价', en: 'You have already reported this review' },
  OWN_REVIEW: { status: 409, zh: '不能举报自己写的评价', en: 'You cannot report your own review' },
  REVIEW_ALREADY_HIDDEN: { status: 409, zh: '该评价已被隐藏', en: 'This review is already hidden' },
});
