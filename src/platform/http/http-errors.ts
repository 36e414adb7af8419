import { defineErrors } from '../errors.js';

/**
 * Errors of HTTP itself: requests refused before any route sees them (by Node's parser or by the
 * router), and the service token of internal routes. Answered as problem+json like every other error.
 */
export const HttpErrors = defineErrors({
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
});

/**
 * What an access-token verifier refuses with, for the API description of every signed-in route when
 * the verifier does not list its own (`AccessTokenVerifier.errors`). The user service's verifier
 * throws its own errors of these codes; test/http/openapi.test.ts checks that they agree.
 */
export const AccessTokenErrors = defineErrors({
  TOKEN_INVALID: { status: 401, zh: '登录凭证无效', en: 'The access token is not valid' },
  TOKEN_EXPIRED: { status: 401, zh: '登录已过期，请刷新凭证', en: 'The access token has expired' },
  SESSION_REVOKED: { status: 401, zh: '登录已失效，请重新登录', en: 'This session has ended; sign in again' },
  TOKEN_ROLES_CHANGED: {
    status: 401,
    zh: '账号角色已变更，请刷新登录凭证',
    en: "The account's roles changed; refresh the access token",
  },
});
