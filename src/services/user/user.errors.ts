import { defineErrors } from '../../platform/errors.js';

/** The user service's error codes (stable; clients switch on them). */
export const UserErrors = defineErrors({
  USER_NOT_FOUND: { status: 404, zh: '用户不存在', en: 'User not found' },
  ACCOUNT_CHANGED: {
    status: 409,
    zh: '账号信息已被同时修改，请重试',
    en: 'The account changed meanwhile; try again',
  },
  SMS_TOO_FREQUENT: {
    status: 429,
    zh: (p) => `验证码发送过于频繁，请 ${p.seconds} 秒后再试`,
    en: (p) => `Codes are sent at most once a minute; try again in ${p.seconds} s`,
  },
  SMS_DAILY_LIMIT: { status: 429, zh: '今日验证码发送次数已达上限', en: 'Daily limit of SMS codes reached' },
  SMS_CODE_INVALID: { status: 400, zh: '验证码错误或已过期', en: 'The code is wrong or has expired' },
  SMS_CODE_ATTEMPTS_EXCEEDED: {
    status: 429,
    zh: '验证码错误次数过多，请重新获取',
    en: 'Too many wrong codes; request a new one',
  },
  SMS_SEND_FAILED: {
    status: 503,
    zh: '短信发送失败，请稍后重试',
    en: 'The SMS could not be sent; try again later',
  },
  INVALID_CREDENTIALS: { status: 401, zh: '手机号或密码错误', en: 'Wrong phone number or password' },
  ACCOUNT_LOCKED: {
    status: 429,
    zh: (p) => `密码错误次数过多，账号已锁定，请 ${p.minutes} 分钟后再试或用验证码登录`,
    en: (p) => `Too many wrong passwords; try again in ${p.minutes} min or sign in with an SMS code`,
  },
  ACCOUNT_SUSPENDED: { status: 403, zh: '账号已被停用', en: 'This account is suspended' },
  REFRESH_TOKEN_INVALID: { status: 401, zh: '刷新凭证无效或已过期', en: 'The refresh token is not valid' },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    zh: '刷新凭证已被使用，为安全起见该登录已全部失效',
    en: 'This refresh token was already used; the session has been revoked for safety',
  },
  PASSWORD_WEAK: {
    status: 400,
    zh: '密码需 8-72 位，且同时包含字母和数字',
    en: 'Passwords need 8-72 characters with both letters and digits',
  },
  CURRENT_PASSWORD_WRONG: { status: 403, zh: '当前密码错误', en: 'The current password is wrong' },
  SKILL_UNKNOWN: {
    status: 400,
    zh: (p) => `未知的技能分类：${p.code}`,
    en: (p) => `Unknown skill category: ${p.code}`,
  },
  AVAILABILITY_INVALID: {
    status: 400,
    zh: '可工作时段的开始时间须早于结束时间',
    en: 'Each availability slot must start before it ends',
  },
  AVATAR_INVALID: {
    status: 400,
    zh: '头像须为完整的 PNG、JPEG 或 WebP 图片，不超过 2 MB，边长不超过 4096 像素',
    en: 'Avatars must be whole PNG, JPEG or WebP images up to 2 MB and 4096 pixels a side',
  },
  USER_CANNOT_CHANGE_SELF: {
    status: 422,
    zh: '管理员不能停用自己的账号或撤销自己的管理员角色',
    en: 'Admins cannot suspend their own account or revoke their own admin role',
  },
  USER_LAST_ADMIN: {
    status: 409,
    zh: '这是最后一个可用的管理员账号，不能停用或撤销其管理员角色',
    en: 'This is the last active admin; it cannot be suspended or lose the admin role',
  },
  AVATAR_NOT_FOUND: { status: 404, zh: '该用户没有头像', en: 'This user has no avatar' },
});
