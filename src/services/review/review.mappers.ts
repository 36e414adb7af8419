import type { Lang } from '../../platform/context.js';
import type { CreditLevel, CreditPart, PenaltyLine } from './credit.formula.js';
import type { StoredParts } from './credit.js';
import type { ReviewDirection } from './review.db.js';
import type { ReviewRow, SummaryRow } from './review.repository.js';

type FormatInstant = (instant: number) => string;

export interface ReviewView {
  id: string;
  orderId: string;
  direction: ReviewDirection;
  authorId: string | null;
  subjectId: string;
  /** Null: "no review" (the author did not review within the window). */
  stars: number | null;
  tags: string[];
  text: string | null;
  status: 'waiting' | 'published' | 'hidden';
  publishedAt: string | null;
  reply: { text: string; at: string } | null;
  createdAt: string;
}

export function toReviewView(row: ReviewRow, at: FormatInstant): ReviewView {
  return {
    id: row.id,
    orderId: row.order_id,
    direction: row.direction,
    authorId: row.author_id,
    subjectId: row.subject_id,
    stars: row.stars,
    tags: JSON.parse(row.tags) as string[],
    text: row.text,
    status: row.hidden_at !== null ? 'hidden' : row.published_at !== null ? 'published' : 'waiting',
    publishedAt: row.published_at === null ? null : at(row.published_at),
    reply: row.reply !== null && row.replied_at !== null ? { text: row.reply, at: at(row.replied_at) } : null,
    createdAt: at(row.created_at),
  };
}

export interface RatingSummary {
  count: number;
  /** Mean stars, two decimals; null without ratings. */
  average: number | null;
  tags: Record<string, number>;
}

/** What anyone may see of a user's reputation (the review client's answer, cached). */
export interface ReviewSummary {
  userId: string;
  credit: { score: number; level: CreditLevel };
  /** Ratings received as a worker (from employers). */
  asWorker: RatingSummary;
  /** Ratings received as an employer (from workers). */
  asEmployer: RatingSummary;
}

export function toRatingSummary(row: SummaryRow | undefined): RatingSummary {
  if (!row || row.count === 0) return { count: 0, average: null, tags: {} };
  return {
    count: row.count,
    average: Math.round((row.stars_sum / row.count) * 100) / 100,
    tags: JSON.parse(row.tags) as Record<string, number>,
  };
}

const LABELS: Record<string, { zh: string; en: string }> = {
  base: { zh: '基础分', en: 'Starting score' },
  completed_orders: { zh: '完成订单', en: 'Completed orders' },
  ratings: { zh: '收到的评分', en: 'Ratings received' },
  verified: { zh: '实名与企业认证', en: 'Verified real name and company' },
  no_shows: { zh: '爽约（未到岗）', en: 'No-shows' },
  late_cancellations: { zh: '临时取消', en: 'Late cancellations' },
  disputes_lost: { zh: '纠纷责任', en: 'Disputes lost' },
};

const RULES: Record<string, { zh: string; en: string }> = {
  base: { zh: '每位用户从 600 分开始', en: 'Everyone starts at 600' },
  completed_orders: { zh: '每完成一单 +4，最多 +200', en: '+4 per completed order, at most +200' },
  ratings: {
    zh: '（收到的星数 − 3×评分数）× 50 ÷（评分数 + 5），四舍五入',
    en: '(stars received − 3 × ratings) × 50 ÷ (ratings + 5), rounded',
  },
  verified: {
    zh: '实名认证 +50，企业认证 +30',
    en: '+50 for a verified real name, +30 for a verified company',
  },
  no_shows: { zh: '每次 −80，每 90 天减半', en: '−80 each, halving every 90 days' },
  late_cancellations: { zh: '每次 −30，每 90 天减半', en: '−30 each, halving every 90 days' },
  disputes_lost: { zh: '每次 −60，每 90 天减半', en: '−60 each, halving every 90 days' },
};

const LEVELS: Record<CreditLevel, { zh: string; en: string }> = {
  poor: { zh: '较差', en: 'Poor' },
  fair: { zh: '一般', en: 'Fair' },
  good: { zh: '良好', en: 'Good' },
  very_good: { zh: '优秀', en: 'Very good' },
  excellent: { zh: '极好', en: 'Excellent' },
};

export const levelLabel = (level: CreditLevel, lang: Lang) => LEVELS[level][lang === 'en' ? 'en' : 'zh'];

export interface CreditPartView {
  kind: CreditPart['kind'];
  label: string;
  rule: string;
  points: number;
  count?: number;
  average?: number | null;
  identity?: boolean;
  enterprise?: boolean;
  events?: {
    refId: string;
    at: string;
    fullPoints: number;
    points: number;
    halvesAt: string;
    fadedAt: string;
  }[];
}

/** The stored parts of a score as the explanation shows them, in the reader's language. */
export function toCreditParts(stored: StoredParts, lang: Lang, at: FormatInstant) {
  const l = lang === 'en' ? 'en' : 'zh';
  const line = (e: PenaltyLine) => ({
    ...e,
    at: at(e.at),
    halvesAt: at(e.halvesAt),
    fadedAt: at(e.fadedAt),
  });
  return {
    parts: stored.parts.map((p): CreditPartView => {
      const head = { kind: p.kind, label: LABELS[p.kind]![l], rule: RULES[p.kind]![l], points: p.points };
      switch (p.kind) {
        case 'base':
          return head;
        case 'completed_orders':
          return { ...head, count: p.count };
        case 'ratings':
          return { ...head, count: p.count, average: p.average };
        case 'verified':
          return { ...head, identity: p.identity, enterprise: p.enterprise };
        default:
          return { ...head, events: p.events.map(line) };
      }
    }),
    projections: stored.projections.map((p) => ({ ...p, at: at(p.at) })),
  };
}
