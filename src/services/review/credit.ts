import type { Tx } from '../../platform/db/service-database.js';
import {
  computeCredit,
  levelOf,
  type CreditBreakdown,
  type CreditRecord,
  type PenaltyKind,
} from './credit.formula.js';
import { DAY, summaryKey, type ReviewContext } from './review-context.js';
import type { FactKind, ReviewDB } from './review.db.js';
import { ReviewEvents } from './review.events.js';
import { PENALTY_KINDS } from './review.repository.js';

/** How far back the nightly pass looks: an older penalty is worth under half a point. */
const FADING_DAYS = 730;
const NIGHTLY_BATCH = 200;

/** A fact to record for a user (see ReviewDB.review_credit_facts). */
export interface Fact {
  key: string;
  userId: string;
  kind: FactKind;
  refId: string;
  at: number;
}

/** What the explanation stores beside the score. */
export interface StoredParts {
  parts: CreditBreakdown['parts'];
  projections: CreditBreakdown['projections'];
}

/**
 * The credit score: facts recorded from events (each once, by its key), the score recomputed in
 * the same transaction from all of a user's facts and received ratings, stored with its parts.
 * Every change of one user's score starts by locking that user's score row, so concurrent events
 * of one user are applied one after the other and none is left out of the stored score.
 */
export function createCredit(ctx: ReviewContext) {
  const { repo, ids } = ctx;

  async function recompute(tx: Tx<ReviewDB>, userId: string): Promise<void> {
    const current = await repo.lockScore(userId, tx.now, tx.db);
    const { completed, others } = await repo.factsOf(userId, tx.db);
    const summaries = await repo.summaries([userId], tx.db);
    const verified = (kind: string) =>
      others.some((f) => f.kind === 'verified' && f.ref_id === kind && f.active);
    const record: CreditRecord = {
      completed,
      ratings: {
        count: summaries.reduce((a, s) => a + s.count, 0),
        starsSum: summaries.reduce((a, s) => a + s.stars_sum, 0),
      },
      verified: { identity: verified('identity'), enterprise: verified('enterprise') },
      penalties: others
        .filter((f) => PENALTY_KINDS.includes(f.kind))
        .map((f) => ({ kind: f.kind as PenaltyKind, refId: f.ref_id, at: f.at })),
    };
    const b = computeCredit(record, tx.now);
    const stored: StoredParts = { parts: b.parts, projections: b.projections };
    await repo.saveScore(
      { user_id: userId, score: b.score, parts: JSON.stringify(stored), computed_at: tx.now },
      tx.db,
    );
    if (b.score !== current.score) {
      await tx.publish(
        ReviewEvents.creditChanged({
          userId,
          score: b.score,
          level: b.level,
          previous: current.score < 0 ? null : current.score,
        }),
      );
    }
    tx.afterCommit(() => ctx.cache.delete(summaryKey(userId)));
  }

  return {
    recompute,

    /** Records facts (each once) and recomputes the score of every user who got a new one. */
    async record(tx: Tx<ReviewDB>, facts: Fact[]): Promise<void> {
      const users = [...new Set(facts.map((f) => f.userId))].sort();
      for (const u of users) await repo.lockScore(u, tx.now, tx.db);
      const changed = new Set<string>();
      for (const f of facts) {
        const row = { id: ids(), fact_key: f.key, user_id: f.userId, kind: f.kind, ref_id: f.refId };
        if (await repo.insertFact({ ...row, at: f.at, active: 1, version: 0 }, tx.db)) changed.add(f.userId);
      }
      for (const u of users) if (changed.has(u)) await recompute(tx, u);
    },

    /** A verification's newest state (by version): a verified real name or company counts while approved. */
    async verification(
      tx: Tx<ReviewDB>,
      v: { userId: string; kind: 'identity' | 'enterprise'; version: number; approved: boolean; at: number },
    ): Promise<void> {
      await repo.lockScore(v.userId, tx.now, tx.db);
      const key = `verified:${v.kind}:${v.userId}`;
      const active = v.approved ? 1 : 0;
      const existing = await repo.findFact(key, tx.db);
      if (!existing) {
        const row = {
          id: ids(),
          fact_key: key,
          user_id: v.userId,
          kind: 'verified' as const,
          ref_id: v.kind,
        };
        await repo.insertFact({ ...row, at: v.at, active, version: v.version }, tx.db);
      } else if (v.version > existing.version) {
        await repo.updateFact(existing.id, { active, version: v.version, at: v.at }, tx.db);
      } else return;
      await recompute(tx, v.userId);
    },

    /** The nightly pass: scores with penalties still fading are computed again for today. */
    async fadeAll(): Promise<number> {
      const since = ctx.clock.now() - FADING_DAYS * DAY;
      let after = '';
      let done = 0;
      for (;;) {
        const users = await repo.usersWithPenalties(since, after, NIGHTLY_BATCH);
        for (const u of users) await ctx.sdb.transaction((tx) => recompute(tx, u));
        done += users.length;
        if (users.length < NIGHTLY_BATCH) return done;
        after = users.at(-1)!;
      }
    },

    /** A user's stored score (600 and no parts for someone with no record yet). */
    async scoreOf(userId: string) {
      const row = await repo.findScore(userId);
      if (!row || row.score < 0) return { score: 600, computedAt: null, stored: null };
      return { score: row.score, computedAt: row.computed_at, stored: JSON.parse(row.parts) as StoredParts };
    },

    levelOf,
  };
}

export type Credit = ReturnType<typeof createCredit>;
