import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The security headers of an API response (JSON, problem+json), after the OWASP REST Security
 * Cheat Sheet: no content type sniffing, no framing, no referrer, HTTPS only, and a policy that
 * lets the response load nothing. helmet's other headers (X-XSS-Protection, X-DNS-Prefetch-Control,
 * X-Download-Options, X-Permitted-Cross-Domain-Policies, Origin-Agent-Cluster, COOP) only act on
 * HTML documents; they are set on the docs pages, which are documents (`securityHeaders`).
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
});

/**
 * The security headers helmet sets for `options`, computed once (for HTML documents).
 *
 * `@fastify/helmet` builds helmet's middleware again on every request (parsing the CSP directives
 * each time). Linggong's helmet options are static (no CSP
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
