import pino, { type DestinationStream, type Logger } from 'pino';
import { currentContext } from './context.js';

export type { Logger } from 'pino';

/**
 * Paths pino removes from every log line. Secrets and personal data (PIPL) never reach the log:
 * tokens, passwords, codes, phone and ID numbers wherever they appear in objects we log.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-service-token"]',
  'headers.authorization',
  '*.password',
  '*.newPassword',
  '*.phone',
  '*.idNumber',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.secret',
  'password',
  'phone',
  'idNumber',
  'token',
  'secret',
];

/**
 * Masks anything that looks like a mainland mobile number or an ID number in free text (e.g. an
 * error message that quotes user input), as a last line of defence behind REDACT_PATHS.
 */
export function maskPii(text: string): string {
  return text
    .replace(/(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?![\dXx])/g, '$1********$3')
    .replace(/(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g, '$1****$3');
}

export function createLogger(options: {
  level: string;
  destination?: DestinationStream;
  name?: string;
}): Logger {
  return pino(
    {
      level: options.level,
      name: options.name,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      // Every line carries the trace of the request or job it belongs to.
      mixin() {
        const ctx = currentContext();
        return ctx ? { trace_id: ctx.traceId, span_id: ctx.spanId, request_id: ctx.requestId } : {};
      },
      hooks: {
        logMethod(args, method) {
          // Free-text arguments are masked too (messages may quote input).
          const masked = args.map((a) => (typeof a === 'string' ? maskPii(a) : a)) as Parameters<
            typeof method
          >;
          method.apply(this, masked);
        },
      },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
