import { eventsOf } from '../../platform/events/types.js';
import type { Role } from '../../platform/http/auth.js';

/** Events the user service publishes (through its outbox), with versioned payloads. */
export interface UserEventMap {
  'user.registered': { userId: string; roles: Role[] };
  'user.profile_updated': { userId: string; version: number };
  /**
   * `version` is the account's version after the change; `revoked` says a role was taken away, so
   * access tokens read before `version` stop working (see tokens.ts, rolesRevokedKey).
   */
  'user.roles_changed': { userId: string; roles: Role[]; version: number; revoked: boolean };
  'user.suspended': { userId: string };
  'user.reactivated': { userId: string };
  /** Other services erase or anonymise what they hold about the user. */
  'user.deleted': { userId: string };
}

const event = eventsOf<UserEventMap>();

export const UserEvents = {
  registered: event('user.registered'),
  profileUpdated: event('user.profile_updated'),
  rolesChanged: event('user.roles_changed'),
  suspended: event('user.suspended'),
  reactivated: event('user.reactivated'),
  deleted: event('user.deleted'),
};
