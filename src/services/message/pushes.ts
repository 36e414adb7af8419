import { businessDayStart } from '../../platform/clock.js';
import type { Tx } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import type { MessageContext } from './message-context.js';
import type { MessageDB, NotificationKind } from './message.db.js';
import type { NotificationRow } from './message.repository.js';
import { render } from './notification.templates.js';
import { PushSendError, type PushProvider } from './push/port.js';
import type { SmsNoticeTemplate } from '../../platform/sms/port.js';
import { userClient } from '../user/index.js';

const MINUTE = 60_000;
const MAX_ATTEMPTS = 5;
const BATCH = 100;
export const MAX_DEVICES = 5;

export interface Preferences {
  mutedKinds: NotificationKind[];
  push: boolean;
  quietHours: { start: string; end: string } | null;
}

const DEFAULTS: Preferences = { mutedKinds: [], push: true, quietHours: null };

/** Critical notifications: pushed whatever the preferences, quiet hours included. */
export function isCritical(kind: NotificationKind, params: Record<string, unknown>): boolean {
  return (
    kind === 'order_hired' ||
    kind === 'dispute_decided' ||
    (kind === 'order_cancelled' && params.late === true)
  );
}

/** Whole minutes since the business day's midnight. */
const minutesOfDay = (instant: number, timeZone: string): number =>
  Math.floor((instant - businessDayStart(instant, timeZone)) / MINUTE);

/** A notification's parameters (ids, amounts, flags) as the strings push data and SMS templates take. */
function stringParams(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params))
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  return out;
}

const hhmm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/**
 * When a push of a notification written at `now` may go: now, or the end of the user's quiet hours
 * (in the business time zone; a window may run over midnight, 22:00–08:00).
 */
export function pushTime(now: number, quiet: Preferences['quietHours'], timeZone: string): number {
  if (!quiet) return now;
  const m = minutesOfDay(now, timeZone);
  const start = hhmm(quiet.start);
  const end = hhmm(quiet.end);
  const inside = start <= end ? m >= start && m < end : m >= start || m < end;
  if (!inside) return now;
  const wait = (end - m + 1440) % 1440;
  return Math.floor(now / MINUTE) * MINUTE + wait * MINUTE;
}

/**
 * Push and SMS delivery of notifications: each notification row carries when it is to be pushed
 * (`push_due_at`, set in the transaction that writes it from the user's preferences: never for a
 * muted kind or with pushes off, later in quiet hours, at once for critical kinds). A pass sends
 * what is due, outside any transaction, and marks it; a failure is retried with backoff, at most
 * five times. Critical notifications also go by SMS at once (`sms_due_at`), likewise. The pass runs after each commit that wrote a notification and as a schedule.
 */
export function createPushes(ctx: MessageContext, provider: PushProvider, timeZone: string) {
  const { repo, log, clock } = ctx;

  async function preferencesOf(userId: string, tx?: Tx<MessageDB>): Promise<Preferences> {
    const row = await repo.findPreferences(userId, tx?.db);
    if (!row) return DEFAULTS;
    return {
      mutedKinds: JSON.parse(row.muted_kinds) as NotificationKind[],
      push: row.push === 1,
      quietHours: row.quiet_start && row.quiet_end ? { start: row.quiet_start, end: row.quiet_end } : null,
    };
  }

  async function send(row: NotificationRow): Promise<void> {
    const devices = await repo.devicesOf(row.user_id);
    if (devices.length === 0) {
      await repo.markPushed(row.id, clock.now());
      return;
    }
    const params = JSON.parse(row.params) as Record<string, unknown>;
    const { title, body } = render(row.kind, params, 'zh-CN');
    const data = { notificationId: row.id, kind: row.kind, ...stringParams(params) };
    try {
      await provider.send({ registrationIds: devices.map((d) => d.registration_id), title, body, data });
      await repo.markPushed(row.id, clock.now());
    } catch (e) {
      const attempts = row.push_attempts + 1;
      const retry = !(e instanceof PushSendError) || e.retryable;
      const next = retry && attempts < MAX_ATTEMPTS ? clock.now() + 2 ** attempts * MINUTE : null;
      await repo.pushFailed(row.id, attempts, next);
      log.warn({ err: e, notificationId: row.id, attempts, retry: next !== null }, 'push failed');
    }
  }

  /** A critical notification by SMS too, through the user service (which holds the phone). */
  async function sendSms(row: NotificationRow): Promise<void> {
    const params = JSON.parse(row.params) as Record<string, unknown>;
    const template: SmsNoticeTemplate =
      row.kind === 'order_cancelled' ? 'order_cancelled_late' : (row.kind as SmsNoticeTemplate);
    try {
      await ctx.clients.get(userClient).sendSmsNotice(row.user_id, template, stringParams(params));
      await repo.markSms(row.id, clock.now());
    } catch (e) {
      const attempts = row.sms_attempts + 1;
      const next = attempts < MAX_ATTEMPTS ? clock.now() + 2 ** attempts * MINUTE : null;
      await repo.smsFailed(row.id, attempts, next);
      log.warn({ err: e, notificationId: row.id, attempts, retry: next !== null }, 'SMS notice failed');
    }
  }

  return {
    preferencesOf,

    /** When to push a notification being written in `tx` (null: not at all). */
    async dueAt(tx: Tx<MessageDB>, userId: string, kind: NotificationKind, params: Record<string, unknown>) {
      if (isCritical(kind, params)) return tx.now;
      const prefs = await preferencesOf(userId, tx);
      if (!prefs.push || prefs.mutedKinds.includes(kind)) return null;
      return pushTime(tx.now, prefs.quietHours, timeZone);
    },

    /** Sends every push and SMS due now (or of these rows only); answers how many were tried. */
    async deliverDue(onlyIds?: string[]): Promise<number> {
      let tried = 0;
      for (const [due, deliver] of [
        [repo.pushesDue, send],
        [repo.smsDue, sendSms],
      ] as const) {
        for (;;) {
          const rows = await due(clock.now(), BATCH, onlyIds);
          for (const row of rows) await deliver(row);
          tried += rows.length;
          if (onlyIds || rows.length < BATCH) break;
        }
      }
      return tried;
    },

    async addDevice(user: Principal, registrationId: string, platform: 'android' | 'ios') {
      await repo.saveDevice({
        user_id: user.userId,
        registration_id: registrationId,
        platform,
        updated_at: clock.now(),
      });
      const devices = await repo.devicesOf(user.userId);
      for (const old of devices.slice(MAX_DEVICES)) await repo.removeDevice(user.userId, old.registration_id);
      return { pushToken: registrationId, platform };
    },
    async removeDevice(user: Principal, registrationId: string) {
      await repo.removeDevice(user.userId, registrationId);
    },

    async savePreferences(user: Principal, p: Preferences): Promise<Preferences> {
      await repo.savePreferences({
        user_id: user.userId,
        muted_kinds: JSON.stringify([...new Set(p.mutedKinds)]),
        push: p.push ? 1 : 0,
        quiet_start: p.quietHours?.start ?? null,
        quiet_end: p.quietHours?.end ?? null,
        updated_at: clock.now(),
      });
      return preferencesOf(user.userId);
    },
  };
}

export type Pushes = ReturnType<typeof createPushes>;
