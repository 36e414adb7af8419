import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Type from 'typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { currentContext, type Lang } from '../context.js';
import { AppError, PlatformErrors, isAppError } from '../errors.js';
import type { Logger } from '../log.js';
import { randomHex } from '../random.js';
import { API_SECURITY_HEADERS } from './security-headers.js';
import { toFieldErrors } from './validation.js';

/** RFC 9457 problem details, with Linggong's stable `code` and field errors. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    instance: Type.String(),
    requestId: Type.String(),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), code: Type.String(), message: Type.String() })),
    ),
  },
  { $id: 'Problem', description: 'application/problem+json (RFC 9457)' },
);

export function requestLang(request: FastifyRequest): Lang {
  const header = request.headers['accept-language'];
  if (typeof header !== 'string' || header.length === 0) return 'zh-CN';
  // The first language the client lists decides; zh-CN is the default.
  const first = header.split(',')[0]!.trim().toLowerCase();
  return first.startsWith('en') ? 'en' : 'zh-CN';
}

/** Maps any thrown error to an AppError; unknown errors become INTERNAL. */
export function toAppError(
  error: FastifyError | Error,
  lang: Lang,
): { appError: AppError; unexpected: boolean } {
  if (isAppError(error)) return { appError: error, unexpected: false };
  const fe = error as FastifyError & { validationContext?: string };
  if (fe.validation) {
    return {
      appError: PlatformErrors.VALIDATION_FAILED(
        {},
        { fieldErrors: toFieldErrors(fe.validation as never, fe.validationContext ?? 'body', lang) },
      ),
      unexpected: false,
    };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { appError: PlatformErrors.BODY_TOO_LARGE(), unexpected: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { appError: PlatformErrors.UNSUPPORTED_MEDIA_TYPE(), unexpected: false };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { appError: PlatformErrors.BODY_MALFORMED(), unexpected: false };
    default:
      break;
  }
  if (error instanceof SyntaxError || (fe.statusCode === 400 && fe.code?.startsWith('FST_ERR_CTP'))) {
    return { appError: PlatformErrors.BODY_MALFORMED(), unexpected: false };
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const bad = PlatformErrors.BAD_REQUEST();
    return {
      appError: new AppError(bad.code, fe.statusCode, bad.messages),
      unexpected: false,
    };
  }
  return { appError: PlatformErrors.INTERNAL(), unexpected: true };
}

/** The problem+json body (RFC 9457) of an error, as every answer, example and socket reply writes it. */
export function problemBody(appError: AppError, lang: Lang, instance: string, requestId: string) {
  return {
    type: `urn:linggong:error:${appError.code}`,
    title: appError.code,
    status: appError.status,
    code: appError.code,
    detail: appError.detail(lang),
    instance,
    requestId,
    ...(appError.extra.fieldErrors ? { errors: appError.extra.fieldErrors } : {}),
  };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, appError: AppError): FastifyReply {
  const body = problemBody(appError, requestLang(request), request.url.split('?')[0]!, String(request.id));
  for (const [k, v] of Object.entries(appError.extra.headers ?? {})) void reply.header(k, v);
  return reply.code(appError.status).type('application/problem+json; charset=utf-8').send(body);
}

/** One error handler for the whole app; unknown errors are logged with the trace id, answered generically. */
export function registerErrorHandling(app: FastifyInstance, log: Logger): void {
  app.setErrorHandler((error, request, reply) => {
    const { appError, unexpected } = toAppError(error as Error, requestLang(request));
    if (unexpected) {
      log.error(
        { err: error, url: request.routeOptions.url, traceId: currentContext()?.traceId },
        'unhandled error',
      );
    }
    return sendProblem(request, reply, appError);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, PlatformErrors.ROUTE_NOT_FOUND()));
}

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route or hook runs (a path
 * parameter longer than `maxParamLength`, a URL that is not validly percent-encoded), answered as
 * problem+json with the headers the request hook would have set.
 */
export function frameworkErrors(
  log: Logger,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const appError =
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? PlatformErrors.URI_TOO_LONG()
        : error.code === 'FST_ERR_BAD_URL'
          ? PlatformErrors.URL_MALFORMED()
          : PlatformErrors.INTERNAL();
    if (appError.code === 'INTERNAL')
      log.error({ err: error, requestId: String(request.id) }, 'router error');
    void reply.headers(API_SECURITY_HEADERS).header('x-request-id', String(request.id));
    void sendProblem(request, reply, appError);
  };
}

/**
 * Node's `clientError`: a request Node's HTTP parser refused (headers or URL over the size limit,
 * malformed HTTP) or one that took too long to arrive. There is no request object, so the answer is
 * written to the socket as problem+json, and the connection closed. Its `instance` names the
 * occurrence by request id, as the path may be what could not be read.
 */
export function clientErrorHandler(log: Logger): (error: NodeJS.ErrnoException, socket: Socket) => void {
  return (error, socket) => {
    // A reset connection has nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const appError =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? PlatformErrors.HEADERS_TOO_LARGE()
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? PlatformErrors.REQUEST_TIMEOUT()
          : PlatformErrors.BAD_REQUEST();
    const requestId = randomHex(12);
    log.debug({ err: error, code: appError.code, requestId }, 'client error');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(
      problemBody(appError, 'zh-CN', `urn:linggong:request:${requestId}`, requestId),
    );
    const headers = {
      ...API_SECURITY_HEADERS,
      'content-type': 'application/problem+json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'x-request-id': requestId,
      connection: 'close',
    };
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    socket.end(`HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\n${head}\r\n${body}`);
  };
}
