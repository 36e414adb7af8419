import Type from 'typebox';
import type { Clock } from '../clock.js';
import { PlatformErrors } from '../errors.js';
import type { FileStorage, LinkSigner } from '../storage.js';
import type { App } from './server.js';

const LinkQuery = Type.Object(
  {
    expires: Type.Integer({ minimum: 0, maximum: 99_999_999_999, description: 'Epoch seconds' }),
    signature: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'HMAC-SHA256, hex' }),
  },
  { additionalProperties: false },
);

/**
 * GET /files/<key>: the local-folder adapter's signed download links (`FileStorage.link`). No token:
 * the signature is the permission, for the key and until the expiry it names; a tampered or expired
 * link is refused. With S3 the links are the bucket's own presigned URLs and this route is absent.
 */
export async function registerFileLinks(
  app: App,
  deps: { storage: FileStorage; links: LinkSigner; clock: Clock },
): Promise<void> {
  app.get(
    '/files/*',
    {
      schema: {
        tags: ['files'],
        summary: 'Download a file by a signed link',
        description:
          'A link a service handed out (a chat image, evidence …): valid for its key until its expiry. ' +
          'Private and not cached beyond that.',
        querystring: LinkQuery,
        produces: ['image/png', 'image/jpeg', 'image/webp', 'application/pdf'],
        responseDescription: 'The file',
        errors: [
          PlatformErrors.FILE_LINK_INVALID(),
          PlatformErrors.FILE_LINK_EXPIRED(),
          PlatformErrors.FILE_NOT_FOUND(),
        ],
        example: {
          query: { expires: 1796700000, signature: '9f2c'.repeat(16) },
        },
      },
    },
    async (req, reply) => {
      const key = (req.params as { '*': string })['*'];
      const now = deps.clock.now();
      const verdict = deps.links.check(key, req.query.expires, req.query.signature, now);
      if (verdict === 'invalid') throw PlatformErrors.FILE_LINK_INVALID();
      if (verdict === 'expired') throw PlatformErrors.FILE_LINK_EXPIRED();
      const file = await deps.storage.get(key);
      if (!file) throw PlatformErrors.FILE_NOT_FOUND();
      const left = Math.max(0, Math.floor((req.query.expires * 1000 - now) / 1000));
      return reply.type(file.contentType).header('cache-control', `private, max-age=${left}`).send(file.data);
    },
  );
}
