import type { Lang } from './context.js';

/**
 * One error type for everything Linggong answers on purpose. Each carries a stable SCREAMING_SNAKE
 * code, an HTTP status and a message in zh-CN and English; the HTTP error handler turns it into
 * application/problem+json.
 */
export interface FieldError {
  /** JSON pointer-ish path of the offending field, e.g. "/shifts/0/endAt". */
  field: string;
  code: string;
  message: string;
}

export interface Messages {
  'zh-CN': string;
  en: string;
}

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly messages: Messages,
    readonly extra: { fieldErrors?: FieldError[]; headers?: Record<string, string>; data?: object } = {},
  ) {
    super(messages.en);
    this.name = 'AppError';
  }

  detail(lang: Lang): string {
    return this.messages[lang];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

type Template = string | ((params: Record<string, string | number>) => string);
interface ErrorSpec {
  status: number;
  zh: Template;
  en: Template;
}

/**
 * Declares a service's error catalogue and returns one factory per code:
 *
 *   export const OrderErrors = defineErrors({
 *     ORDER_SLOT_TAKEN: { status: 409, zh: '名额已满', en: 'No slot left' },
 *   });
 *   throw OrderErrors.ORDER_SLOT_TAKEN();
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(
  specs: T,
): { [K in keyof T]: (params?: Record<string, string | number>, extra?: AppError['extra']) => AppError } {
  const out: Record<
    string,
    (params?: Record<string, string | number>, extra?: AppError['extra']) => AppError
  > = {};
  for (const [code, spec] of Object.entries(specs)) {
    out[code] = (params = {}, extra = {}) =>
      new AppError(
        code,
        spec.status,
        {
          'zh-CN': typeof spec.zh === 'function' ? spec.zh(params) : spec.zh,
          en: typeof spec.en === 'function' ? spec.en(params) : spec.en,
        },
        extra,
      );
  }
  return out as {
    [K in keyof T]: (params?: Record<string, string | number>, extra?: AppError['extra']) => AppError;
  };
}

/** Errors raised by the platform itself. */
export const PlatformErrors = defineErrors({
  VALIDATION_FAILED: { status: 400, zh: '请求参数不合法', en: 'The request is invalid' },
  BODY_MALFORMED: { status: 400, zh: '请求体不是合法的 JSON', en: 'The request body is not valid JSON' },
  BODY_TOO_LARGE: { status: 413, zh: '请求体过大', en: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, zh: '不支持的内容类型', en: 'Unsupported content type' },
  ROUTE_NOT_FOUND: { status: 404, zh: '接口不存在', en: 'No such endpoint' },
  FILE_LINK_INVALID: {
    status: 403,
    zh: '下载链接无效',
    en: 'This download link is not valid',
  },
  FILE_LINK_EXPIRED: {
    status: 403,
    zh: '下载链接已过期，请重新获取',
    en: 'This download link has expired; ask for a new one',
  },
  FILE_NOT_FOUND: { status: 404, zh: '文件不存在', en: 'No such file' },
  METHOD_NOT_ALLOWED: { status: 405, zh: '不支持该请求方法', en: 'Method not allowed' },
  // Refused before any route sees the request: by Node's HTTP parser or by the router.
  BAD_REQUEST: { status: 400, zh: '请求无效', en: 'Bad request' },
  URL_MALFORMED: { status: 400, zh: '请求地址编码无效', en: 'The URL is not validly encoded' },
  REQUEST_TIMEOUT: { status: 408, zh: '请求发送超时', en: 'The request took too long to arrive' },
  URI_TOO_LONG: { status: 414, zh: '请求地址过长', en: 'The URL is too long' },
  HEADERS_TOO_LARGE: {
    status: 431,
    zh: '请求头或请求地址过长',
    en: 'The request headers (or the URL) are too large',
  },
  SERVICE_TOKEN_INVALID: {
    status: 401,
    zh: '内部接口需要有效的服务令牌',
    en: 'Internal routes require a valid service token',
  },
  RATE_LIMITED: { status: 429, zh: '请求过于频繁，请稍后再试', en: 'Too many requests, try again later' },
  UNAUTHENTICATED: { status: 401, zh: '请先登录', en: 'Authentication required' },
  FORBIDDEN: { status: 403, zh: '无权执行此操作', en: 'You are not allowed to do this' },
  NOT_FOUND: { status: 404, zh: '资源不存在', en: 'Not found' },
  INVALID_CURSOR: { status: 400, zh: '分页游标无效', en: 'The pagination cursor is invalid' },
  IDEMPOTENCY_KEY_INVALID: {
    status: 400,
    zh: 'Idempotency-Key 需为 1-128 个可见字符',
    en: 'Idempotency-Key must be 1-128 visible characters',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    zh: '该 Idempotency-Key 已用于不同的请求内容',
    en: 'This Idempotency-Key was already used with a different request',
  },
  IDEMPOTENCY_KEY_IN_PROGRESS: {
    status: 409,
    zh: '相同 Idempotency-Key 的请求正在处理中',
    en: 'A request with this Idempotency-Key is still in progress',
  },
  SERVICE_UNAVAILABLE: { status: 503, zh: '服务暂不可用', en: 'Service unavailable' },
  INTERNAL: { status: 500, zh: '服务器内部错误', en: 'Internal server error' },
});

/** Programming errors: misuse of the platform that must fail loudly in tests. */
export class PlatformMisuseError extends Error {
  override name = 'PlatformMisuseError';
}
