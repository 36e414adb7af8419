/**
 * The credit score (信用分), a pure function of a user's record and the time. docs/credit.md
 * explains each rule and why; the numbers here are that document's.
 *
 *   score = clamp(600 + completed + ratings + verified − no-shows − late cancellations − disputes lost, 0, 1000)
 *
 * - completed: +4 per completed order (either role), at most +200;
 * - ratings: (stars received − 3 per rating) × 50 / (ratings + 5), rounded: an average of 3 is
 *   neutral, and a few ratings move the score less than many;
 * - verified: +50 for a verified real name, +30 for a verified company;
 * - penalties: 80 per no-show, 30 per late cancellation, 60 per dispute lost, each halving every
 *   90 days after it happened; each part is its events' sum, rounded.
 * Every part is rounded to whole points before the sum, a half in the user's favour (−2.5 → −2,
 * 37.5 → 38), so the lines add up to the score.
 */
export const CREDIT_RULES = {
  base: 600,
  min: 0,
  max: 1000,
  perCompleted: 4,
  completedMax: 200,
  ratingWeight: 50,
  ratingNeutral: 3,
  ratingPrior: 5,
  identity: 50,
  enterprise: 30,
  penalty: { no_show: 80, late_cancel: 30, dispute_lost: 60 },
  halfLifeDays: 90,
} as const;

export type PenaltyKind = keyof typeof CREDIT_RULES.penalty;
export type CreditLevel = 'poor' | 'fair' | 'good' | 'very_good' | 'excellent';

const DAY = 86_400_000;
const HALF_LIFE = CREDIT_RULES.halfLifeDays * DAY;
/** Days ahead for which the explanation shows the score, should nothing new happen. */
export const PROJECTION_DAYS = [30, 90, 180, 365] as const;

export interface CreditRecord {
  completed: number;
  ratings: { count: number; starsSum: number };
  verified: { identity: boolean; enterprise: boolean };
  penalties: { kind: PenaltyKind; refId: string; at: number }[];
}

export interface PenaltyLine {
  refId: string;
  at: number;
  fullPoints: number;
  /** What it takes off now (negative, one decimal). */
  points: number;
  /** When it next halves. */
  halvesAt: number;
  /** When it is worth less than half a point on its own. */
  fadedAt: number;
}

export type CreditPart =
  | { kind: 'base'; points: number }
  | { kind: 'completed_orders'; points: number; count: number }
  | { kind: 'ratings'; points: number; count: number; average: number | null }
  | { kind: 'verified'; points: number; identity: boolean; enterprise: boolean }
  | { kind: 'no_shows' | 'late_cancellations' | 'disputes_lost'; points: number; events: PenaltyLine[] };

export interface CreditBreakdown {
  score: number;
  level: CreditLevel;
  parts: CreditPart[];
  projections: { days: number; at: number; score: number }[];
}

const PART_OF: Record<PenaltyKind, 'no_shows' | 'late_cancellations' | 'disputes_lost'> = {
  no_show: 'no_shows',
  late_cancel: 'late_cancellations',
  dispute_lost: 'disputes_lost',
};

/** The level a score falls in: <450 poor, <550 fair, <650 good, <750 very good, else excellent. */
export function levelOf(score: number): CreditLevel {
  if (score < 450) return 'poor';
  if (score < 550) return 'fair';
  if (score < 650) return 'good';
  if (score < 750) return 'very_good';
  return 'excellent';
}

/** A penalty's weight at `now`: its full points halved once per half-life since it happened. */
export function fadedPoints(full: number, at: number, now: number): number {
  return full * 0.5 ** (Math.max(0, now - at) / HALF_LIFE);
}

/** Whole points, a half toward the higher score (the user's favour), and never -0. */
const whole = (x: number): number => Math.round(x) + 0;

function parts(record: CreditRecord, now: number): CreditPart[] {
  const r = CREDIT_RULES;
  const { count, starsSum } = record.ratings;
  const out: CreditPart[] = [
    { kind: 'base', points: r.base },
    {
      kind: 'completed_orders',
      points: Math.min(r.completedMax, r.perCompleted * record.completed),
      count: record.completed,
    },
    {
      kind: 'ratings',
      points: whole(((starsSum - r.ratingNeutral * count) * r.ratingWeight) / (count + r.ratingPrior)),
      count,
      average: count > 0 ? Math.round((starsSum / count) * 100) / 100 : null,
    },
    {
      kind: 'verified',
      points: (record.verified.identity ? r.identity : 0) + (record.verified.enterprise ? r.enterprise : 0),
      ...record.verified,
    },
  ];
  for (const kind of Object.keys(PART_OF) as PenaltyKind[]) {
    const full = r.penalty[kind];
    const events = record.penalties
      .filter((p) => p.kind === kind)
      .sort((a, b) => a.at - b.at || (a.refId < b.refId ? -1 : 1));
    const now_ = events.map((e) => fadedPoints(full, e.at, now));
    const halvings = (e: { at: number }) => Math.floor(Math.max(0, now - e.at) / HALF_LIFE) + 1;
    out.push({
      kind: PART_OF[kind],
      points: whole(-now_.reduce((a, b) => a + b, 0)),
      events: events.map((e, i) => ({
        refId: e.refId,
        at: e.at,
        fullPoints: full,
        points: -Math.round(now_[i]! * 10) / 10 + 0,
        halvesAt: e.at + halvings(e) * HALF_LIFE,
        fadedAt: e.at + Math.ceil(Math.log2(2 * full) * HALF_LIFE),
      })),
    });
  }
  return out;
}

function scoreOf(list: CreditPart[]): number {
  const sum = list.reduce((a, p) => a + p.points, 0);
  return Math.min(CREDIT_RULES.max, Math.max(CREDIT_RULES.min, sum));
}

/** The score at `now` with its parts, and what it will be if nothing new happens. */
export function computeCredit(record: CreditRecord, now: number): CreditBreakdown {
  const list = parts(record, now);
  const score = scoreOf(list);
  return {
    score,
    level: levelOf(score),
    parts: list,
    projections: PROJECTION_DAYS.map((days) => ({
      days,
      at: now + days * DAY,
      score: scoreOf(parts(record, now + days * DAY)),
    })),
  };
}
