import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import { IMAGE_TYPES, imageExtension } from '../../platform/images.js';
import type { FileStorage } from '../../platform/storage.js';
import { accountActive } from './account.rules.js';
import { findExistingAccount } from './accounts.js';
import type { PublicProfiles } from './public-profile.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';
import { UserEvents } from './user.events.js';
import type { PrivateProfile } from './user.mappers.js';
import type { UserRepository } from './user.repository.js';

export const AVATAR_TYPES = Object.keys(IMAGE_TYPES);
export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
/** The largest width or height of an avatar, in pixels. */
export const AVATAR_MAX_SIDE = 4096;

/**
 * The file extension of an avatar upload, or undefined when it is refused: empty, over 2 MB, of a
 * type other than PNG, JPEG or WebP, or not, whole, an image of its declared type no larger than
 * AVATAR_MAX_SIDE pixels a side (platform/images.ts).
 */
export function avatarExtension(contentType: string, data: Buffer): string | undefined {
  return imageExtension(contentType, data, { maxBytes: AVATAR_MAX_BYTES, maxSide: AVATAR_MAX_SIDE });
}

/**
 * Avatars: the image is stored under a new key on every upload (so its URL can be cached for good),
 * the account points at it, and the previous image is deleted once nothing does.
 */
export function createAvatars(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  storage: FileStorage;
  publicProfiles: PublicProfiles;
  getPrivate: (userId: string) => Promise<PrivateProfile>;
  ids: IdGenerator;
  log: Logger;
}) {
  const { sdb, repo, storage, publicProfiles, ids, log } = deps;

  /** Points the account at the stored image; returns the key of the one it replaces, if any. */
  async function pointAt(userId: string, key: string): Promise<string | null> {
    return sdb.transaction(async (tx) => {
      const row = await findExistingAccount(repo, userId, tx.db);
      await repo.updateAccount(userId, row.version, { avatar_key: key, updated_at: tx.now }, tx.db);
      await tx.publish(UserEvents.profileUpdated({ userId, version: row.version + 1 }));
      publicProfiles.invalidateAfterCommit(tx, userId);
      return row.avatar_key;
    });
  }

  /** Stores a new avatar (the raw image body) and deletes the previous one. */
  async function setAvatar(userId: string, contentType: string, data: Buffer): Promise<PrivateProfile> {
    const ext = avatarExtension(contentType, data);
    if (!ext) throw UserErrors.AVATAR_INVALID();
    const key = `avatars/${userId}/${ids()}.${ext}`;
    await storage.put(key, data, contentType);
    let previous: string | null;
    try {
      previous = await pointAt(userId, key);
    } catch (e) {
      await storage.delete(key); // nothing points at it
      throw e;
    }
    if (previous)
      await storage.delete(previous).catch((e: unknown) => log.warn({ err: e }, 'old avatar not deleted'));
    return deps.getPrivate(userId);
  }

  async function getAvatar(userId: string): Promise<{ data: Buffer; contentType: string }> {
    const row = await repo.findAccount(userId);
    if (!row || !accountActive(row.status) || !row.avatar_key) throw UserErrors.AVATAR_NOT_FOUND();
    const file = await storage.get(row.avatar_key);
    if (!file) throw UserErrors.AVATAR_NOT_FOUND();
    return file;
  }

  return { setAvatar, getAvatar };
}
