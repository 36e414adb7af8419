import { defineErrors } from '../../platform/errors.js';

/** The message service's error codes (stable; clients switch on them). */
export const MessageErrors = defineErrors({
  CONVERSATION_NOT_FOUND: { status: 404, zh: '会话不存在', en: 'No such conversation' },
  MESSAGE_BLOCKED: {
    status: 403,
    zh: '你与对方之间已屏蔽，无法发送消息',
    en: 'One of you has blocked the other: no messages can be sent',
  },
  MESSAGE_RATE_LIMITED: {
    status: 429,
    zh: (p) => `发送过于频繁，每分钟最多 ${p.limit ?? ''} 条`,
    en: (p) => `Too many messages: at most ${p.limit ?? ''} a minute`,
  },
  MESSAGE_TEXT_REFUSED: {
    status: 400,
    zh: (p) => `消息含有违规内容（${p.terms ?? ''}），未发送`,
    en: (p) => `The message contains prohibited content (${p.terms ?? ''}) and was not sent`,
  },
  BLOCK_SELF: { status: 400, zh: '不能屏蔽自己', en: 'You cannot block yourself' },
  USER_NOT_FOUND: { status: 404, zh: '用户不存在', en: 'No such user' },
  UPGRADE_REQUIRED: {
    status: 426,
    zh: '请使用 WebSocket 连接此地址',
    en: 'This address takes a WebSocket connection',
  },
  DIRECT_UPLOAD_UNAVAILABLE: {
    status: 409,
    zh: '当前存储不支持直传，请通过接口上传图片',
    en: 'This storage takes uploads through the API only (POST …/images)',
  },
  UPLOAD_NOT_FOUND: { status: 404, zh: '未找到已上传的文件', en: 'Nothing was uploaded for this upload id' },
  UPLOAD_USED: { status: 409, zh: '该上传已发送过', en: 'This upload has already been sent' },
  MESSAGE_NOT_FOUND: { status: 404, zh: '消息不存在', en: 'No such message' },
  IMAGE_INVALID: {
    status: 400,
    zh: '图片无效：须为 PNG、JPEG 或 WebP，不超过 5 MB',
    en: 'Not a valid image: PNG, JPEG or WebP up to 5 MB',
  },
});
