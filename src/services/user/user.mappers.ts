import { createInstantFormatter } from '../../platform/clock.js';
import { ROLES, type Role } from '../../platform/http/auth.js';
import { maskPhone, type PiiCipher } from '../../platform/pii.js';
import type { AccountRow, PublicAccountRow } from './user.repository.js';

/** Writes an instant (epoch ms) as answers show it: ISO 8601 in the business time zone, with its offset. */
export type FormatInstant = (instant: number) => string;

// Only for callers outside the service that build a profile without its configuration (the HTTP
// benchmark's raw-MySQL baseline); the service passes the configured zone's formatter.
const inDefaultZone: FormatInstant = createInstantFormatter('Asia/Shanghai');

export interface Availability {
  weekday: number;
  start: string;
  end: string;
}

export interface PublicProfile {
  id: string;
  displayName: string;
  avatarUrl: string | null;
  bio: string | null;
  homeArea: string | null;
  skills: string[];
  roles: Role[];
  availability: Availability[];
  memberSince: string;
}

export interface PrivateProfile extends PublicProfile {
  phone: string;
  hasPassword: boolean;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export function parseRoles(roles: string): Role[] {
  return roles.split(',').filter((r): r is Role => ROLES.includes(r as Role));
}

export function avatarUrl(row: Pick<AccountRow, 'id' | 'avatar_key'>): string | null {
  // The key changes with every upload, so the URL can be cached forever by clients.
  return row.avatar_key
    ? `/api/v1/users/${row.id}/avatar?v=${row.avatar_key.split('/').pop()!.split('.')[0]!}`
    : null;
}

/** An account's skill codes, sorted, as stored on its row (joined by commas, '' for none). */
export function skillsOf(row: Pick<AccountRow, 'skills'>): string[] {
  return row.skills === '' ? [] : row.skills.split(',');
}

/** The stored form of a set of skill codes (codes never hold a comma: `^[a-z_.]{1,64}$`). */
export function storedSkills(codes: readonly string[]): string {
  return [...new Set(codes)].sort().join(',');
}

/** What anyone may see. Admin is never shown publicly. */
export function toPublicProfile(row: PublicAccountRow, at: FormatInstant = inDefaultZone): PublicProfile {
  return {
    id: row.id,
    displayName: row.display_name,
    avatarUrl: avatarUrl(row),
    bio: row.bio,
    homeArea: row.home_area,
    skills: skillsOf(row),
    roles: parseRoles(row.roles).filter((r) => r !== 'admin'),
    availability: row.availability ? (JSON.parse(row.availability) as Availability[]) : [],
    memberSince: at(row.created_at),
  };
}

/** What the account holder sees: the phone only masked, never in full (PIPL). */
export function toPrivateProfile(row: AccountRow, pii: PiiCipher, at: FormatInstant): PrivateProfile {
  return {
    ...toPublicProfile(row, at),
    roles: parseRoles(row.roles),
    phone: row.phone_cipher ? maskPhone(pii.decrypt(row.phone_cipher)) : '',
    hasPassword: row.password_hash !== null,
    status: row.status,
    createdAt: at(row.created_at),
    updatedAt: at(row.updated_at),
  };
}
