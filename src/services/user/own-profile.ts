import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { PiiCipher } from '../../platform/pii.js';
import { findCategory } from '../../platform/reference/gig-categories.js';
import { findExistingAccount } from './accounts.js';
import type { PublicProfiles } from './public-profile.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';
import { UserEvents } from './user.events.js';
import {
  storedSkills,
  toPrivateProfile,
  type Availability,
  type FormatInstant,
  type PrivateProfile,
} from './user.mappers.js';
import type { UserRepository } from './user.repository.js';

export interface ProfileChanges {
  displayName?: string;
  bio?: string | null;
  homeArea?: string | null;
  skills?: string[];
  availability?: Availability[];
}

/** Throws unless every skill is a known gig category and every availability slot starts before it ends. */
export function checkProfileChanges(changes: ProfileChanges): void {
  for (const code of changes.skills ?? []) if (!findCategory(code)) throw UserErrors.SKILL_UNKNOWN({ code });
  for (const a of changes.availability ?? []) {
    if (a.start >= a.end) throw UserErrors.AVAILABILITY_INVALID();
  }
}

/** The account holder's own profile: the private view (phone masked) and its changes. */
export function createOwnProfile(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  pii: PiiCipher;
  publicProfiles: PublicProfiles;
  at: FormatInstant;
}) {
  const { sdb, repo, pii, publicProfiles, at } = deps;

  async function getPrivate(userId: string): Promise<PrivateProfile> {
    return toPrivateProfile(await findExistingAccount(repo, userId), pii, at);
  }

  async function update(userId: string, changes: ProfileChanges): Promise<PrivateProfile> {
    checkProfileChanges(changes);
    await sdb.transaction(async (tx) => {
      const row = await findExistingAccount(repo, userId, tx.db);
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
      publicProfiles.invalidateAfterCommit(tx, userId);
    });
    return getPrivate(userId);
  }

  return { getPrivate, update };
}
