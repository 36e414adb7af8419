import type { Cache } from '../../platform/cache.js';
import type { Clock } from '../../platform/clock.js';
import type { CursorCodec, Page } from '../../platform/cursor.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import { writeAudit } from '../../platform/audit.js';
import type { Principal, Role } from '../../platform/http/auth.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import { maskPhone, type PiiCipher } from '../../platform/pii.js';
import { findCategory } from '../../platform/reference/gig-categories.js';
import type { FileStorage } from '../../platform/storage.js';
import type { AuthService } from './auth.service.js';
import { normalizePhone } from './auth.service.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';
import { UserEvents } from './user.events.js';
import {
  parseRoles,
  storedSkills,
  toPrivateProfile,
  toPublicProfile,
  type Availability,
  type PrivateProfile,
  type PublicProfile,
} from './user.mappers.js';
import type { AccountRow, UserRepository } from './user.repository.js';

const PUBLIC_PROFILE_TTL_MS = 5 * 60_000;
// v2: the profile is cached as its JSON text (v1 held the object); a new version never reads
// entries another release wrote in another format (a shared Redis during a rolling deploy).
const publicKey = (id: string): string => `user:public-profile:v2:${id}`;

export interface ProfileChanges {
  displayName?: string;
  bio?: string | null;
  homeArea?: string | null;
  skills?: string[];
  availability?: Availability[];
}

const IMAGE_TYPES: Record<string, { ext: string; magic: (b: Buffer) => boolean }> = {
  'image/png': {
    ext: 'png',
    magic: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  'image/jpeg': { ext: 'jpg', magic: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  'image/webp': {
    ext: 'webp',
    magic: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
};
export const AVATAR_TYPES = Object.keys(IMAGE_TYPES);
export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;

export function createProfileService(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  auth: AuthService;
  pii: PiiCipher;
  cache: Cache;
  storage: FileStorage;
  cursors: CursorCodec;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
}) {
  const { sdb, repo, pii, cache, storage, ids, log } = deps;

  async function loadActive(userId: string): Promise<AccountRow> {
    const row = await repo.findAccount(userId);
    if (!row || row.status === 'deleted') throw UserErrors.USER_NOT_FOUND();
    return row;
  }

  /**
   * Anyone's public profile as its JSON body (PublicProfileSchema), cached as that text:
   * cache-aside, dropped on change, "not found" cached briefly. A hit is sent as it is stored,
   * with nothing parsed or serialised (Redis or memory). toPublicProfile builds every field, so
   * JSON.stringify writes exactly the schema's fields. A hit this process holds in memory is
   * returned as the string itself, not a promise (the hot read awaits nothing); awaiting the
   * result works either way.
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
      if (!row || row.status !== 'active') return undefined;
      return JSON.stringify(toPublicProfile(row));
    });
    if (json === undefined) throw UserErrors.USER_NOT_FOUND();
    return json;
  }

  /** Anyone's public profile (for other services: see getPublicJson for HTTP). */
  async function getPublic(userId: string): Promise<PublicProfile> {
    return JSON.parse(await getPublicJson(userId)) as PublicProfile;
  }

  async function getPrivate(userId: string): Promise<PrivateProfile> {
    const row = await loadActive(userId);
    return toPrivateProfile(row, pii);
  }

  async function update(userId: string, changes: ProfileChanges): Promise<PrivateProfile> {
    for (const code of changes.skills ?? [])
      if (!findCategory(code)) throw UserErrors.SKILL_UNKNOWN({ code });
    for (const a of changes.availability ?? []) {
      if (a.start >= a.end) throw UserErrors.AVAILABILITY_INVALID();
    }
    await sdb.transaction(async (tx) => {
      const row = await repo.findAccount(userId, tx.db);
      if (!row || row.status === 'deleted') throw UserErrors.USER_NOT_FOUND();
      await repo.updateAccount(
        userId,
        row.version,
        {
          ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
          ...(changes.bio !== undefined ? { bio: changes.bio } : {}),
          ...(changes.homeArea !== undefined ? { home_area: changes.homeArea } : {}),
          ...(changes.availability !== undefined
            ? { availability: JSON.stringify(changes.availability) }
            : {}),
          ...(changes.skills !== undefined ? { skills: storedSkills(changes.skills) } : {}),
          updated_at: tx.now,
        },
        tx.db,
      );
      await tx.publish(UserEvents.profileUpdated({ userId, version: row.version + 1 }));
      tx.afterCommit(() => cache.delete(publicKey(userId)));
    });
    return getPrivate(userId);
  }

  async function setAvatar(userId: string, contentType: string, data: Buffer): Promise<PrivateProfile> {
    const type = IMAGE_TYPES[contentType];
    if (!type || data.length === 0 || data.length > AVATAR_MAX_BYTES || !type.magic(data))
      throw UserErrors.AVATAR_INVALID();
    const key = `avatars/${userId}/${ids()}.${type.ext}`;
    await storage.put(key, data, contentType);
    let previous: string | null = null;
    try {
      await sdb.transaction(async (tx) => {
        const row = await repo.findAccount(userId, tx.db);
        if (!row || row.status === 'deleted') throw UserErrors.USER_NOT_FOUND();
        previous = row.avatar_key;
        await repo.updateAccount(userId, row.version, { avatar_key: key, updated_at: tx.now }, tx.db);
        await tx.publish(UserEvents.profileUpdated({ userId, version: row.version + 1 }));
        tx.afterCommit(() => cache.delete(publicKey(userId)));
      });
    } catch (e) {
      await storage.delete(key); // nothing points at it
      throw e;
    }
    if (previous)
      await storage.delete(previous).catch((e: unknown) => log.warn({ err: e }, 'old avatar not deleted'));
    return getPrivate(userId);
  }

  async function getAvatar(userId: string): Promise<{ data: Buffer; contentType: string }> {
    const row = await repo.findAccount(userId);
    if (!row || row.status !== 'active' || !row.avatar_key) throw UserErrors.AVATAR_NOT_FOUND();
    const file = await storage.get(row.avatar_key);
    if (!file) throw UserErrors.AVATAR_NOT_FOUND();
    return file;
  }

  async function changeRoles(
    actor: Principal | null,
    userId: string,
    role: Role,
    add: boolean,
  ): Promise<PrivateProfile> {
    await sdb.transaction(async (tx) => {
      const row = await repo.findAccount(userId, tx.db);
      if (!row || row.status === 'deleted') throw UserErrors.USER_NOT_FOUND();
      const roles = new Set(parseRoles(row.roles));
      if (add) roles.add(role);
      else roles.delete(role);
      const next = [...roles].sort();
      if (next.join(',') === parseRoles(row.roles).sort().join(',')) return;
      await repo.updateAccount(userId, row.version, { roles: next.join(','), updated_at: tx.now }, tx.db);
      await tx.publish(UserEvents.rolesChanged({ userId, roles: next }));
      await writeAudit(tx, sdb.prefix, ids, {
        actorId: actor?.userId ?? null,
        actorRole: actor?.roles.includes('admin') ? 'admin' : actor ? 'self' : 'system',
        action: add ? 'user.role_granted' : 'user.role_revoked',
        targetType: 'user',
        targetId: userId,
        data: { role },
      });
      tx.afterCommit(() => cache.delete(publicKey(userId)));
    });
    return getPrivate(userId);
  }

  /**
   * Deletes an account as PIPL requires: personal data is erased (phone, name, bio, area,
   * availability, skills, avatar, SMS codes), sessions end, and `user.deleted` tells the other
   * services to erase theirs. The row stays as an anonymous tombstone so orders and reviews keep a
   * valid reference. Requires a fresh SMS code.
   */
  async function deleteAccount(userId: string, code: string): Promise<void> {
    const row = await loadActive(userId);
    const phoneHash = row.phone_hash!;
    const codeId = await deps.auth.checkCode(phoneHash, 'delete_account', code);
    await sdb.transaction(async (tx) => {
      await deps.auth.consumeCode(codeId, tx);
      const current = await repo.findAccount(userId, tx.db);
      if (!current || current.status === 'deleted') throw UserErrors.USER_NOT_FOUND();
      await repo.updateAccount(
        userId,
        current.version,
        {
          phone_cipher: null,
          phone_hash: null,
          display_name: '已注销用户',
          avatar_key: null,
          bio: null,
          home_area: null,
          availability: null,
          skills: '',
          password_hash: null,
          status: 'deleted',
          deleted_at: tx.now,
          updated_at: tx.now,
        },
        tx.db,
      );
      await repo.deleteCodesOf(phoneHash, tx.db);
      await deps.auth.revokeAllSessions(userId, 'account_deleted', tx);
      await tx.publish(UserEvents.deleted({ userId }));
      await writeAudit(tx, sdb.prefix, ids, {
        actorId: userId,
        actorRole: 'self',
        action: 'user.deleted',
        targetType: 'user',
        targetId: userId,
      });
      const avatar = current.avatar_key;
      tx.afterCommit(async () => {
        await cache.delete(publicKey(userId));
        if (avatar) await storage.delete(avatar);
      });
    });
  }

  /** Everything the service holds about the caller, as data (personal-information copy right). */
  async function exportData(userId: string) {
    const row = await loadActive(userId);
    const sessions = await repo.sessionsOf(userId);
    return {
      exportedAt: new Date(deps.clock.now()).toISOString(),
      profile: toPrivateProfile(row, pii),
      sessions: sessions.map((s) => ({
        id: s.id,
        createdAt: new Date(s.created_at).toISOString(),
        lastUsedAt: new Date(s.last_used_at).toISOString(),
        expiresAt: new Date(s.expires_at).toISOString(),
        revokedAt: s.revoked_at === null ? null : new Date(s.revoked_at).toISOString(),
        userAgent: s.user_agent,
      })),
    };
  }

  async function listForAdmin(opts: {
    limit: number;
    cursor?: string;
    role?: Role;
  }): Promise<Page<PrivateProfile>> {
    const afterId = opts.cursor ? String(deps.cursors.decode(opts.cursor, 'admin-users').id) : undefined;
    const rows = await repo.listAccounts({ afterId, limit: opts.limit + 1, role: opts.role });
    const items = rows.slice(0, opts.limit).map((r) => toPrivateProfile(r, pii));
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > opts.limit && last ? deps.cursors.encodeFor('admin-users', { id: last.id }) : null,
    };
  }

  async function setStatus(
    actor: Principal,
    userId: string,
    status: 'active' | 'suspended',
  ): Promise<PrivateProfile> {
    await sdb.transaction(async (tx) => {
      const row = await repo.findAccount(userId, tx.db);
      if (!row || row.status === 'deleted') throw UserErrors.USER_NOT_FOUND();
      if (row.status === status) return;
      await repo.updateAccount(userId, row.version, { status, updated_at: tx.now }, tx.db);
      if (status === 'suspended') await deps.auth.revokeAllSessions(userId, 'suspended', tx);
      await tx.publish(
        status === 'suspended' ? UserEvents.suspended({ userId }) : UserEvents.reactivated({ userId }),
      );
      await writeAudit(tx, sdb.prefix, ids, {
        actorId: actor.userId,
        actorRole: 'admin',
        action: status === 'suspended' ? 'user.suspended' : 'user.reactivated',
        targetType: 'user',
        targetId: userId,
      });
      tx.afterCommit(() => cache.delete(publicKey(userId)));
    });
    return getPrivate(userId);
  }

  /** Creates an admin account for a phone, or adds the admin role to its account (CLI). */
  async function createAdmin(phone: string, displayName: string): Promise<{ id: string }> {
    const normalized = normalizePhone(phone);
    if (!/^1[3-9]\d{9}$/.test(normalized)) throw new Error('not a mainland mobile number');
    const phoneHash = pii.lookupHash(normalized);
    const existing = await repo.findAccountByPhoneHash(phoneHash);
    if (existing) {
      await changeRoles(null, existing.id, 'admin', true);
      return { id: existing.id };
    }
    const id = ids();
    await sdb.transaction(async (tx) => {
      await repo.insertAccount(
        {
          id,
          phone_cipher: pii.encrypt(normalized),
          phone_hash: phoneHash,
          display_name: displayName,
          avatar_key: null,
          bio: null,
          home_area: null,
          availability: null,
          roles: 'admin',
          status: 'active',
          password_hash: null,
          version: 1,
          created_at: tx.now,
          updated_at: tx.now,
          deleted_at: null,
        },
        tx.db,
      );
      await tx.publish(UserEvents.registered({ userId: id, roles: ['admin'] }));
      await writeAudit(tx, sdb.prefix, ids, {
        actorId: null,
        actorRole: 'system',
        action: 'user.admin_created',
        targetType: 'user',
        targetId: id,
        data: { phone: maskPhone(normalized) },
      });
    });
    return { id };
  }

  /** Drops the cached public profile (event handler of user.* changes). */
  async function invalidate(userId: string): Promise<void> {
    await cache.delete(publicKey(userId));
  }

  return {
    invalidate,
    getPublic,
    getPublicJson,
    getPrivate,
    update,
    setAvatar,
    getAvatar,
    changeRoles,
    deleteAccount,
    exportData,
    listForAdmin,
    setStatus,
    createAdmin,
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;
