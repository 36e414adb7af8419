import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The security headers helmet sets for `options`, computed once.
 *
 * `@fastify/helmet` builds helmet's middleware again on every request (parsing the CSP directives
 * each time), which cost 5–10 % of a small request. Linggong's helmet options are static (no CSP
 * nonces, no directive functions), so the header set is the same for every response: helmet runs
 * once here against a recording response, and the HTTP server sets the result per request.
 * Header names are lowercase, as Fastify stores them.
 */
export function securityHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      return recorder;
    },
    // helmet removes X-Powered-By; Node and Fastify never set it, so there is nothing to undo.
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err instanceof Error ? err : new Error('helmet failed');
    finished = true;
  });
  // A directive computed per request (a function, e.g. a nonce) cannot be precomputed.
  if (!finished) throw new Error('securityHeaders: helmet did not finish synchronously');
  return Object.freeze(headers);
}
