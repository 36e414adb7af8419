import type { Cache } from '../../platform/cache.js';
import type { Clock } from '../../platform/clock.js';
import type { CursorCodec } from '../../platform/cursor.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { FileStorage } from '../../platform/storage.js';
import { createAccountRoles } from './account-roles.js';
import { createAdminAccounts } from './admin-accounts.js';
import type { AuthService } from './auth.service.js';
import { createAvatars } from './avatars.js';
import { createOwnProfile } from './own-profile.js';
import { createPersonalData } from './personal-data.js';
import { createPublicProfiles } from './public-profile.js';
import type { UserDB } from './user.db.js';
import type { FormatInstant } from './user.mappers.js';
import type { UserRepository } from './user.repository.js';

/**
 * Profiles and accounts, composed of one part per use case: public profiles and their cache
 * (public-profile.ts), the holder's own profile (own-profile.ts), avatars (avatars.ts), roles
 * (account-roles.ts), PIPL export and deletion (personal-data.ts), and what admins do
 * (admin-accounts.ts). Their rules are in account.rules.ts.
 */
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
  /** Answers' times: ISO 8601 in the business time zone. */
  at: FormatInstant;
}) {
  const publicProfiles = createPublicProfiles(deps);
  const { getPublic, getPublicJson, invalidate } = publicProfiles;
  const { getPrivate, update } = createOwnProfile({ ...deps, publicProfiles });
  const parts = { ...deps, publicProfiles, getPrivate };
  const { setAvatar, getAvatar } = createAvatars(parts);
  const { changeRoles, createAdmin } = createAccountRoles(parts);
  const { deleteAccount, exportData } = createPersonalData(parts);
  const { listForAdmin, setStatus } = createAdminAccounts(parts);
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
