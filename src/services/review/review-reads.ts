import { jitteredTtl } from '../../platform/cache.js';
import { assertNoTransaction } from '../../platform/db/service-database.js';
import type { Lang } from '../../platform/context.js';
import type { Principal } from '../../platform/http/auth.js';
import { accountExists, userClient } from '../user/index.js';
import { computeCredit, levelOf } from './credit.formula.js';
import type { StoredParts } from './credit.js';
import { summaryKey, type ReviewContext } from './review-context.js';
import { ReviewErrors } from './review.errors.js';
import { levelLabel, toCreditParts, toRatingSummary, type ReviewSummary } from './review.mappers.js';

const SUMMARY_TTL_MS = 10 * 60_000;
export const MAX_SUMMARY_IDS = 100;

const EMPTY_RECORD = {
  completed: 0,
  ratings: { count: 0, starsSum: 0 },
  verified: { identity: false, enterprise: false },
  penalties: [],
};

/** Reputation reads: summaries (cached, dropped on every change) and the explained score. */
export function createReviewReads(ctx: ReviewContext) {
  const { repo, cache } = ctx;

  async function load(userIds: string[]): Promise<Map<string, ReviewSummary>> {
    const [summaries, scores] = await Promise.all([repo.summaries(userIds), repo.scores(userIds)]);
    const out = new Map<string, ReviewSummary>();
    for (const id of userIds) {
      const score = scores.find((s) => s.user_id === id)?.score ?? 600;
      out.set(id, {
        userId: id,
        credit: { score, level: levelOf(score) },
        asWorker: toRatingSummary(summaries.find((s) => s.user_id === id && s.role === 'worker')),
        asEmployer: toRatingSummary(summaries.find((s) => s.user_id === id && s.role === 'employer')),
      });
    }
    return out;
  }

  /** Summaries of many users: cached ones from the cache, the rest in two queries. */
  async function summaries(userIds: readonly string[]): Promise<Map<string, ReviewSummary>> {
    assertNoTransaction('ReviewClient.summaries');
    const ids = [...new Set(userIds)];
    const out = new Map<string, ReviewSummary>();
    const cached = await Promise.all(ids.map((id) => cache.get<ReviewSummary>(summaryKey(id))));
    const missing = ids.filter((id, i) => {
      if (cached[i]) out.set(id, cached[i]);
      return !cached[i];
    });
    if (missing.length) {
      for (const [id, s] of await load(missing)) {
        out.set(id, s);
        await cache.set(summaryKey(id), s, jitteredTtl(SUMMARY_TTL_MS));
      }
    }
    return out;
  }

  /** 404 unless the account exists (the user service's public profile). */
  async function assertUser(userId: string): Promise<void> {
    if (!(await accountExists(ctx.clients.get(userClient), userId))) throw ReviewErrors.USER_NOT_FOUND();
  }

  return {
    summaries,
    assertUser,

    async summary(userId: string): Promise<ReviewSummary> {
      await assertUser(userId);
      return (await summaries([userId])).get(userId)!;
    },

    /** The score and level to anyone; to the user (and admins) every part and what it will become. */
    async credit(principal: Principal | undefined, userId: string, lang: Lang) {
      await assertUser(userId);
      const row = await repo.findScore(userId);
      const now = ctx.clock.now();
      const stored: StoredParts =
        row && row.score >= 0 ? (JSON.parse(row.parts) as StoredParts) : computeCredit(EMPTY_RECORD, now);
      const score = row && row.score >= 0 ? row.score : 600;
      const level = levelOf(score);
      const head = { userId, score, level, levelLabel: levelLabel(level, lang) };
      const full = principal && (principal.userId === userId || principal.roles.includes('admin'));
      if (!full) return head;
      return {
        ...head,
        computedAt: ctx.at(row && row.score >= 0 ? row.computed_at : now),
        ...toCreditParts(stored, lang, ctx.at),
      };
    },
  };
}

export type ReviewReads = ReturnType<typeof createReviewReads>;
