import type { Cache } from '../../platform/cache.js';
import type { Tx } from '../../platform/db/service-database.js';
import { accountActive } from './account.rules.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';
import { toPublicProfile, type FormatInstant, type PublicProfile } from './user.mappers.js';
import type { UserRepository } from './user.repository.js';

const PUBLIC_PROFILE_TTL_MS = 5 * 60_000;
// v2: the profile is cached as its JSON text (v1 held the object); a new version never reads
// entries another release wrote in another format (a shared Redis during a rolling deploy).
// v3: times in the business zone (v2 texts held them in UTC).
const publicKey = (id: string): string => `user:public-profile:v3:${id}`;

/**
 * Public profiles, what anyone may see of an active account: read through the cache, which every
 * change of the account drops (here after the commit, in other processes through the events).
 */
export function createPublicProfiles(deps: { repo: UserRepository; cache: Cache; at: FormatInstant }) {
  const { repo, cache, at } = deps;

  /**
   * Anyone's public profile as its JSON body (PublicProfileSchema), cached as that text:
   * cache-aside, dropped on change, "not found" cached briefly. A hit is sent as it is stored,
   * with nothing parsed or serialised (Redis or memory). toPublicProfile builds every field, so
   * JSON.stringify writes exactly the schema's fields. A hit this process holds in memory is
   * returned as the string itself, not a promise, so the hot read awaits nothing (see
   * docs/benchmarks.md, section "The cache"); awaiting the result works either way.
   */
  function getPublicJson(userId: string): string | Promise<string> {
    const key = publicKey(userId);
    const held = cache.peekText(key);
    if (held === null) throw UserErrors.USER_NOT_FOUND();
    if (held !== undefined) return held;
    return loadPublicJson(key, userId);
  }

  async function loadPublicJson(key: string, userId: string): Promise<string> {
    const json = await cache.getOrLoadText(key, PUBLIC_PROFILE_TTL_MS, async () => {
      const row = await repo.findPublicProfile(userId);
      if (!row || !accountActive(row.status)) return undefined;
      return JSON.stringify(toPublicProfile(row, at));
    });
    if (json === undefined) throw UserErrors.USER_NOT_FOUND();
    return json;
  }

  /** Anyone's public profile (for other services: see getPublicJson for HTTP). */
  async function getPublic(userId: string): Promise<PublicProfile> {
    return JSON.parse(await getPublicJson(userId)) as PublicProfile;
  }

  /** Drops the cached public profile (event handler of user.* changes). */
  async function invalidate(userId: string): Promise<void> {
    await cache.delete(publicKey(userId));
  }

  /** Drops the cached public profile once the transaction that changed the account has committed. */
  function invalidateAfterCommit(tx: Tx<UserDB>, userId: string): void {
    tx.afterCommit(() => invalidate(userId));
  }

  return { getPublicJson, getPublic, invalidate, invalidateAfterCommit };
}

export type PublicProfiles = ReturnType<typeof createPublicProfiles>;
