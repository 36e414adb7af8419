import { defineErrors } from '../../platform/errors.js';

/** The verification service's error codes (stable; clients switch on them). */
export const VerificationErrors = defineErrors({
  // Local checks of a resident ID number (id-number.ts), each naming its rule.
  ID_FORMAT_INVALID: {
    status: 400,
    zh: '身份证号须为 18 位：17 位数字加 1 位数字或 X',
    en: 'An ID number has 18 characters: 17 digits, then a digit or X',
  },
  ID_REGION_INVALID: {
    status: 400,
    zh: '身份证号的地区码无效',
    en: 'The region code of the ID number is not valid',
  },
  ID_BIRTH_DATE_INVALID: {
    status: 400,
    zh: '身份证号中的出生日期无效',
    en: 'The birth date in the ID number is not a real date in the past',
  },
  ID_CHECK_DIGIT_INVALID: {
    status: 400,
    zh: '身份证号校验位错误，请检查是否输错',
    en: 'The check digit of the ID number is wrong; check for a typo',
  },
  ID_UNDERAGE: {
    status: 400,
    zh: (p) => `未满 ${p.minAge} 周岁，不能进行实名认证`,
    en: (p) => `Real-name verification needs an age of at least ${p.minAge}`,
  },
  NAME_INVALID: {
    status: 400,
    zh: '姓名须与身份证一致：2 到 30 个汉字，少数民族姓名可含间隔号“·”',
    en: 'The name must be as on the ID card: 2 to 30 Chinese characters, with "·" in some names',
  },
  CREDIT_CODE_FORMAT_INVALID: {
    status: 400,
    zh: '统一社会信用代码须为 18 位数字或大写字母（不含 I、O、Z、S、V）',
    en: 'A unified social credit code has 18 digits or capital letters (no I, O, Z, S, V)',
  },
  CREDIT_CODE_CHECK_INVALID: {
    status: 400,
    zh: '统一社会信用代码校验位错误，请检查是否输错',
    en: 'The check character of the credit code is wrong; check for a typo',
  },
  ID_NUMBER_IN_USE: {
    status: 409,
    zh: '该身份证号已认证其他账号',
    en: 'This ID number already verifies another account',
  },
  CREDIT_CODE_IN_USE: {
    status: 409,
    zh: '该企业已认证其他账号',
    en: 'This company already verifies another account',
  },
  VERIFICATION_PENDING: {
    status: 409,
    zh: '已有认证申请正在审核，请等待结果',
    en: 'A verification request is already being reviewed; wait for its result',
  },
  VERIFICATION_ATTEMPTS_EXCEEDED: {
    status: 429,
    zh: (p) => `今日认证申请次数已达上限（${p.limit} 次），请明天再试`,
    en: (p) => `You have made the most verification requests allowed today (${p.limit}); try tomorrow`,
  },
  VERIFICATION_CHANGED: {
    status: 409,
    zh: '认证状态已变化，请刷新后重试',
    en: 'The verification changed meanwhile; reload and try again',
  },
  VERIFICATION_NOT_FOUND: { status: 404, zh: '认证申请不存在', en: 'Verification request not found' },
  VERIFICATION_STATE_INVALID: {
    status: 409,
    zh: (p) => `认证申请当前状态（${p.status}）不允许此操作`,
    en: (p) => `A verification request in state ${p.status} cannot be decided again`,
  },
  VERIFICATION_NOT_APPROVED: {
    status: 409,
    zh: '该用户没有已通过的此类认证',
    en: 'The user has no approved verification of this kind',
  },
  EMPLOYER_ROLE_REQUIRED: {
    status: 403,
    zh: '企业认证须使用雇主身份',
    en: 'Enterprise verification needs the employer role',
  },
  LICENCE_REQUIRED: {
    status: 400,
    zh: '请先上传营业执照照片',
    en: 'Upload a photo of the business licence first',
  },
  FILE_INVALID: {
    status: 400,
    zh: '文件须为 PNG、JPEG 或 WebP 图片，不超过 5 MB',
    en: 'The file must be a PNG, JPEG or WebP image of at most 5 MB',
  },
  FILE_NOT_FOUND: { status: 404, zh: '文件不存在', en: 'File not found' },
  DATE_INVALID: {
    status: 400,
    zh: '日期须为 YYYY-MM-DD 格式的真实日期',
    en: 'The date must be a real date written YYYY-MM-DD',
  },
});
