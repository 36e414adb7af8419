import { describe, expect, it } from 'vitest';
import {
  computeCredit,
  fadedPoints,
  levelOf,
  type CreditBreakdown,
  type CreditRecord,
  type PenaltyKind,
} from './credit.formula.js';

/**
 * Every rule of docs/credit.md, each expected value computed by hand from the document and written
 * out as a number (never recomputed with the formula's code). The "Examples" section of the
 * document is the last block.
 */
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1, 2, 0, 0);

interface Input {
  completed?: number;
  ratings?: number;
  stars?: number;
  identity?: boolean;
  enterprise?: boolean;
  penalties?: [PenaltyKind, number][]; // kind, days before NOW
}

function record(i: Input = {}): CreditRecord {
  return {
    completed: i.completed ?? 0,
    ratings: { count: i.ratings ?? 0, starsSum: i.stars ?? 0 },
    verified: { identity: i.identity ?? false, enterprise: i.enterprise ?? false },
    penalties: (i.penalties ?? []).map(([kind, daysAgo], n) => ({
      kind,
      refId: `ref-${n}`,
      at: NOW - daysAgo * DAY,
    })),
  };
}

const credit = (i: Input = {}, now = NOW) => computeCredit(record(i), now);

/**
 * The parts' points by kind, in the explanation's order. A penalty part with nothing to take off
 * comes out as −0 (the negation of 0); it is 0 points all the same (and 0 in JSON).
 */
const points = (b: CreditBreakdown) => b.parts.map((p) => [p.kind, p.points + 0]);
const part = (b: CreditBreakdown, kind: string) => b.parts.find((p) => p.kind === kind)!;
const eventPoints = (b: CreditBreakdown, kind: string) => {
  const p = part(b, kind);
  return 'events' in p ? p.events.map((e) => e.points) : [];
};

describe('the start', () => {
  it('gives a new user 600, "good", with every other part 0 and nothing to fade', () => {
    const b = credit();
    expect(b.score).toBe(600);
    expect(b.level).toBe('good');
    expect(points(b)).toEqual([
      ['base', 600],
      ['completed_orders', 0],
      ['ratings', 0],
      ['verified', 0],
      ['no_shows', 0],
      ['late_cancellations', 0],
      ['disputes_lost', 0],
    ]);
    expect(part(b, 'ratings')).toMatchObject({ count: 0, average: null });
    expect(b.projections).toEqual([
      { days: 30, at: NOW + 2_592_000_000, score: 600 },
      { days: 90, at: NOW + 7_776_000_000, score: 600 },
      { days: 180, at: NOW + 15_552_000_000, score: 600 },
      { days: 365, at: NOW + 31_536_000_000, score: 600 },
    ]);
  });
});

describe('completed orders: +4 each, at most +200', () => {
  it.each([
    [1, 4, 604],
    [10, 40, 640],
    [49, 196, 796],
    [50, 200, 800],
    [60, 200, 800],
  ])('%i completed orders give %i points (score %i)', (completed, expected, score) => {
    const b = credit({ completed });
    expect(part(b, 'completed_orders')).toEqual({
      kind: 'completed_orders',
      points: expected,
      count: completed,
    });
    expect(b.score).toBe(score);
  });

  it('gives 60 orders no more than 50', () => {
    expect(credit({ completed: 60 }).score).toBe(credit({ completed: 50 }).score);
  });
});

describe('ratings: (stars − 3 × ratings) × 50 ÷ (ratings + 5), rounded', () => {
  it.each([
    // ratings, stars in all, points, average
    [1, 5, 17, 5], // 2 × 50 / 6 = 16.67
    [10, 50, 67, 5], // 20 × 50 / 15 = 66.67
    [100, 500, 95, 5], // 200 × 50 / 105 = 95.24
    [10, 40, 33, 4], // 10 × 50 / 15 = 33.33
    [3, 13, 25, 4.33], // (13 − 9) × 50 / 8 = 25
  ])('%i ratings with %i stars give %i', (ratings, stars, expected, average) => {
    const b = credit({ ratings, stars });
    expect(part(b, 'ratings')).toEqual({ kind: 'ratings', points: expected, count: ratings, average });
    expect(b.score).toBe(600 + expected);
  });

  it.each([
    [1, 1, -17], // −2 × 50 / 6 = −16.67
    [10, 10, -67], // −20 × 50 / 15 = −66.67
    [100, 100, -95], // −200 × 50 / 105 = −95.24
    [1, 2, -8], // one 2-star: −1 × 50 / 6 = −8.33
    [10, 20, -33], // ten 2-star: −10 × 50 / 15 = −33.33
  ])('%i ratings with %i stars take points away: %i', (ratings, stars, expected) => {
    expect(part(credit({ ratings, stars }), 'ratings').points).toBe(expected);
    expect(credit({ ratings, stars }).score).toBe(600 + expected);
  });

  it('takes points away for any number of 1-star ratings', () => {
    for (const ratings of [1, 2, 3, 5, 10, 50, 100, 1000, 100_000]) {
      expect(part(credit({ ratings, stars: ratings }), 'ratings').points).toBeLessThan(0);
    }
  });

  it('counts 3 stars as neutral, however many', () => {
    for (const ratings of [1, 2, 7, 100, 1000]) {
      expect(part(credit({ ratings, stars: 3 * ratings }), 'ratings').points).toBe(0);
    }
    // A 5 and a 1 average 3: neutral too.
    expect(part(credit({ ratings: 2, stars: 6 }), 'ratings')).toMatchObject({ points: 0, average: 3 });
  });

  it('never goes beyond ±100', () => {
    // 994 five-star: 1988 × 50 / 999 = 99.4995 → 99; 995: 1990 × 50 / 1000 = 99.5 → 100.
    expect(part(credit({ ratings: 994, stars: 4970 }), 'ratings').points).toBe(99);
    expect(part(credit({ ratings: 995, stars: 4975 }), 'ratings').points).toBe(100);
    // 100 000 five-star: 200 000 × 50 / 100 005 = 99.995 → 100; 1-star: −100.
    expect(part(credit({ ratings: 100_000, stars: 500_000 }), 'ratings').points).toBe(100);
    expect(part(credit({ ratings: 100_000, stars: 100_000 }), 'ratings').points).toBe(-100);
  });

  it("rounds a half in the user's favour", () => {
    // 15 ratings, 46 stars: 1 × 50 / 20 = 2.5 → 3; 44 stars: −2.5 → −2 (towards more points).
    expect(part(credit({ ratings: 15, stars: 46 }), 'ratings').points).toBe(3);
    expect(part(credit({ ratings: 15, stars: 44 }), 'ratings').points).toBe(-2);
    // 7 ratings, 30 stars: 9 × 50 / 12 = 37.5 → 38.
    expect(part(credit({ ratings: 7, stars: 30 }), 'ratings').points).toBe(38);
  });
});

describe('verified: +50 real name, +30 company', () => {
  it.each([
    [true, false, 50, 650, 'very_good'],
    [false, true, 30, 630, 'good'],
    [true, true, 80, 680, 'very_good'],
    [false, false, 0, 600, 'good'],
  ] as const)('identity %s, enterprise %s: %i', (identity, enterprise, expected, score, level) => {
    const b = credit({ identity, enterprise });
    expect(part(b, 'verified')).toEqual({ kind: 'verified', points: expected, identity, enterprise });
    expect(b).toMatchObject({ score, level });
  });
});

describe('penalties: full weight today, halving every 90 days', () => {
  it.each([
    // kind, part, days ago, part points, the event's share, score
    ['no_show', 'no_shows', 0, -80, -80, 520],
    ['no_show', 'no_shows', 90, -40, -40, 560],
    ['no_show', 'no_shows', 180, -20, -20, 580],
    ['late_cancel', 'late_cancellations', 0, -30, -30, 570],
    ['late_cancel', 'late_cancellations', 90, -15, -15, 585],
    // A quarter of 30 is 7.5: the half goes the user's way, the part takes 7.
    ['late_cancel', 'late_cancellations', 180, -7, -7.5, 593],
    ['dispute_lost', 'disputes_lost', 0, -60, -60, 540],
    ['dispute_lost', 'disputes_lost', 90, -30, -30, 570],
    ['dispute_lost', 'disputes_lost', 180, -15, -15, 585],
  ] as const)('a %s (%s) %i days ago takes %i', (kind, partKind, daysAgo, expected, share, score) => {
    const b = credit({ penalties: [[kind, daysAgo]] });
    expect(part(b, partKind).points).toBe(expected);
    expect(eventPoints(b, partKind)).toEqual([share]);
    expect(b.score).toBe(score);
    // Each penalty counts only in its own part.
    for (const other of ['no_shows', 'late_cancellations', 'disputes_lost'].filter((k) => k !== partKind)) {
      expect(Object.is(part(b, other).points, 0)).toBe(true);
    }
  });

  it('weighs a penalty by fadedPoints: full × 0.5^(days / 90)', () => {
    const at = NOW;
    expect(fadedPoints(80, at, at)).toBe(80);
    expect(fadedPoints(80, at, at + 90 * DAY)).toBe(40);
    expect(fadedPoints(80, at, at + 180 * DAY)).toBe(20);
    expect(fadedPoints(80, at, at + 270 * DAY)).toBe(10);
    expect(fadedPoints(30, at, at + 180 * DAY)).toBe(7.5);
    expect(fadedPoints(60, at, at + 90 * DAY)).toBe(30);
    // 80 × 0.5^(1/3) = 63.496; 80 × 0.5^(365/90) = 4.811.
    expect(fadedPoints(80, at, at + 30 * DAY)).toBeCloseTo(63.496, 3);
    expect(fadedPoints(80, at, at + 365 * DAY)).toBeCloseTo(4.811, 3);
    // "worth under half a point after 659 days" (80 × 0.5^(658/90) = 0.5038, 0.5^(659/90) → 0.4999).
    expect(fadedPoints(80, at, at + 658 * DAY)).toBeGreaterThan(0.5);
    expect(fadedPoints(80, at, at + 659 * DAY)).toBeLessThan(0.5);
  });

  it('sums the events of a part and rounds once; each share to one decimal', () => {
    // Late cancellations 200 and 10 days ago: 30 × 0.5^(200/90) = 6.43 and 30 × 0.5^(10/90) = 27.78,
    // together 34.21 → −34 (rounding each first would give 6 + 28 = 34 as well; three at 180 days
    // make it visible: 3 × 7.5 = 22.5 → −22, against 3 × 8 = 24 if each were rounded first).
    const two = credit({
      penalties: [
        ['late_cancel', 200],
        ['late_cancel', 10],
      ],
    });
    expect(part(two, 'late_cancellations').points).toBe(-34);
    expect(eventPoints(two, 'late_cancellations')).toEqual([-6.4, -27.8]);
    const three = credit({
      penalties: [
        ['late_cancel', 180],
        ['late_cancel', 180],
        ['late_cancel', 180],
      ],
    });
    expect(part(three, 'late_cancellations').points).toBe(-22);
    expect(eventPoints(three, 'late_cancellations')).toEqual([-7.5, -7.5, -7.5]);
    expect(three.score).toBe(578);
  });

  it('lists a penalty event with when it next halves and when it is under half a point', () => {
    const b = credit({
      penalties: [
        ['no_show', 0],
        ['no_show', 10],
        ['no_show', 90],
        ['no_show', 100],
        ['late_cancel', 0],
        ['dispute_lost', 0],
      ],
    });
    const noShows = part(b, 'no_shows');
    if (!('events' in noShows)) throw new Error('no events');
    // Oldest first: 100, 90, 10 and 0 days ago.
    const byAge = noShows.events.map((e) => ({
      daysAgo: (NOW - e.at) / DAY,
      fullPoints: e.fullPoints,
      halvesIn: (e.halvesAt - NOW) / DAY,
      fadedAfter: e.fadedAt - e.at,
    }));
    // A no-show is under half a point after log2(160) × 90 days = 658.97 days = 56 935 312 866 ms.
    expect(byAge).toEqual([
      { daysAgo: 100, fullPoints: 80, halvesIn: 80, fadedAfter: 56_935_312_866 }, // halves at 180
      { daysAgo: 90, fullPoints: 80, halvesIn: 90, fadedAfter: 56_935_312_866 }, // halved: next at 180
      { daysAgo: 10, fullPoints: 80, halvesIn: 80, fadedAfter: 56_935_312_866 },
      { daysAgo: 0, fullPoints: 80, halvesIn: 90, fadedAfter: 56_935_312_866 },
    ]);
    const late = part(b, 'late_cancellations');
    const dispute = part(b, 'disputes_lost');
    if (!('events' in late) || !('events' in dispute)) throw new Error('no events');
    // log2(60) × 90 days = 531.62 days; log2(120) × 90 days = 621.62 days.
    expect(late.events[0]).toMatchObject({
      fullPoints: 30,
      halvesAt: NOW + 7_776_000_000,
      fadedAt: NOW + 45_931_981_272,
    });
    expect(dispute.events[0]).toMatchObject({
      fullPoints: 60,
      halvesAt: NOW + 7_776_000_000,
      fadedAt: NOW + 53_707_981_272,
    });
  });
});

describe('the clamp to 0–1000', () => {
  it('never goes below 0', () => {
    // 7 no-shows today: 600 − 560 = 40; 8: −40 → 0; 10: −200 → 0.
    expect(
      credit({ penalties: Array.from({ length: 7 }, () => ['no_show', 0] as [PenaltyKind, number]) }),
    ).toMatchObject({
      score: 40,
      level: 'poor',
    });
    const eight = credit({
      penalties: Array.from({ length: 8 }, () => ['no_show', 0] as [PenaltyKind, number]),
    });
    expect(eight).toMatchObject({ score: 0, level: 'poor' });
    const ten = credit({
      penalties: Array.from({ length: 10 }, () => ['no_show', 0] as [PenaltyKind, number]),
    });
    expect(ten).toMatchObject({ score: 0, level: 'poor' });
    // The part still shows what was taken off.
    expect(part(ten, 'no_shows').points).toBe(-800);
  });

  it('never goes above 1000', () => {
    // The best real record: 50 orders, 995 five-star ratings, both verified: 600 + 200 + 100 + 80 = 980.
    expect(
      credit({ completed: 50, ratings: 995, stars: 4975, identity: true, enterprise: true }),
    ).toMatchObject({
      score: 980,
      level: 'excellent',
    });
    // Only an impossible record goes beyond: one rating of 100 stars is (100 − 3) × 50 / 6 = 808 → 1408.
    expect(credit({ ratings: 1, stars: 100 })).toMatchObject({ score: 1000, level: 'excellent' });
  });
});

describe('levels', () => {
  it.each([
    [0, 'poor'],
    [449, 'poor'],
    [450, 'fair'],
    [549, 'fair'],
    [550, 'good'],
    [649, 'good'],
    [650, 'very_good'],
    [749, 'very_good'],
    [750, 'excellent'],
    [1000, 'excellent'],
  ] as const)('%i is %s', (score, level) => {
    expect(levelOf(score)).toBe(level);
  });

  it.each([
    // 600 + 4 (1 order) − 80 (no-show today) − 60 (dispute today) − 15 (late cancellation 90 days ago)
    [
      {
        completed: 1,
        penalties: [
          ['no_show', 0],
          ['dispute_lost', 0],
          ['late_cancel', 90],
        ],
      },
      449,
      'poor',
    ],
    // 600 − 80 − 40 (no-shows today and 90 days ago) − 30 (late cancellation today)
    [
      {
        penalties: [
          ['no_show', 0],
          ['no_show', 90],
          ['late_cancel', 0],
        ],
      },
      450,
      'fair',
    ],
    // 600 + 4 − 40 (no-show 90 days ago) − 15 (late cancellation 90 days ago)
    [
      {
        completed: 1,
        penalties: [
          ['no_show', 90],
          ['late_cancel', 90],
        ],
      },
      549,
      'fair',
    ],
    // 600 + 30 (company) − 80
    [{ enterprise: true, penalties: [['no_show', 0]] }, 550, 'good'],
    // 600 + 64 (16 orders) − 15
    [{ completed: 16, penalties: [['late_cancel', 90]] }, 649, 'good'],
    // 600 + 50 (real name)
    [{ identity: true }, 650, 'very_good'],
    // 600 + 84 (21 orders) + 80 (both verified) − 15
    [{ completed: 21, identity: true, enterprise: true, penalties: [['late_cancel', 90]] }, 749, 'very_good'],
    // 600 + 200 (50 orders) + 30 − 80
    [{ completed: 50, enterprise: true, penalties: [['no_show', 0]] }, 750, 'excellent'],
  ] as [Input, number, string][])('computes %j as %i, %s', (input, score, level) => {
    expect(credit(input)).toMatchObject({ score, level });
  });
});

describe('the parts add up to the score', () => {
  it('sums whole parts to the score of a mixed record', () => {
    // 12 orders +48; 7 ratings, 30 stars: 9 × 50 / 12 = 37.5 → +38; real name +50;
    // no-show 30 days ago 80 × 0.5^(1/3) = 63.50 → −63; late cancellations 200 and 10 days ago
    // 6.43 + 27.78 = 34.21 → −34; dispute 400 days ago 60 × 0.5^(400/90) = 2.76 → −3.
    // 600 + 48 + 38 + 50 − 63 − 34 − 3 = 636.
    const b = credit({
      completed: 12,
      ratings: 7,
      stars: 30,
      identity: true,
      penalties: [
        ['no_show', 30],
        ['late_cancel', 200],
        ['late_cancel', 10],
        ['dispute_lost', 400],
      ],
    });
    expect(points(b)).toEqual([
      ['base', 600],
      ['completed_orders', 48],
      ['ratings', 38],
      ['verified', 50],
      ['no_shows', -63],
      ['late_cancellations', -34],
      ['disputes_lost', -3],
    ]);
    expect(b).toMatchObject({ score: 636, level: 'good' });
    expect(b.parts.reduce((sum, p) => sum + p.points, 0)).toBe(636);
    expect(eventPoints(b, 'no_shows')).toEqual([-63.5]);
    expect(eventPoints(b, 'disputes_lost')).toEqual([-2.8]);
  });
});

describe('projections: the score in 30, 90, 180 and 365 days if nothing new happens', () => {
  it('fades the penalties of today into the future', () => {
    // A verified worker, 20 orders rated 5 stars (810 without penalties), a no-show and a late
    // cancellation today. In 30 days: 63.50 → 63 and 23.81 → 24: 810 − 87 = 723; 90: 40 + 15 → 755;
    // 180: 20 + 7.5 (→ 7) → 783; 365: 4.81 → 5 and 1.80 → 2: 803.
    const b = credit({
      completed: 20,
      ratings: 20,
      stars: 100,
      identity: true,
      penalties: [
        ['no_show', 0],
        ['late_cancel', 0],
      ],
    });
    expect(b.score).toBe(700);
    expect(b.projections).toEqual([
      { days: 30, at: NOW + 2_592_000_000, score: 723 },
      { days: 90, at: NOW + 7_776_000_000, score: 755 },
      { days: 180, at: NOW + 15_552_000_000, score: 783 },
      { days: 365, at: NOW + 31_536_000_000, score: 803 },
    ]);
  });

  it('stays where it is without penalties', () => {
    const b = credit({ completed: 3, ratings: 2, stars: 9, enterprise: true });
    // 600 + 12 + round(3 × 50 / 7 = 21.43) + 30 = 663.
    expect(b.score).toBe(663);
    expect(b.projections.map((p) => p.score)).toEqual([663, 663, 663, 663]);
  });
});

describe('the examples of docs/credit.md', () => {
  const reliable = { completed: 20, ratings: 20, stars: 100, identity: true };

  it('a new user: 600, good', () => {
    expect(credit()).toMatchObject({ score: 600, level: 'good' });
  });

  it('a reliable worker, verified, 20 completed orders rated 5 stars each: 810, excellent', () => {
    // 600 + 80 + round(2000 ÷ 25 = 80) + 50.
    const b = credit(reliable);
    expect(b).toMatchObject({ score: 810, level: 'excellent' });
    expect(points(b)).toEqual([
      ['base', 600],
      ['completed_orders', 80],
      ['ratings', 80],
      ['verified', 50],
      ['no_shows', 0],
      ['late_cancellations', 0],
      ['disputes_lost', 0],
    ]);
  });

  it('the same worker with two no-shows today: 650; after 90 days 730; after a year 800', () => {
    const penalties: [PenaltyKind, number][] = [
      ['no_show', 0],
      ['no_show', 0],
    ];
    const today = credit({ ...reliable, penalties });
    // 600 + 80 + 80 + 50 − 160.
    expect(today).toMatchObject({ score: 650, level: 'very_good' });
    expect(part(today, 'no_shows').points).toBe(-160);
    expect(eventPoints(today, 'no_shows')).toEqual([-80, -80]);
    // The two weigh 80 together after 90 days.
    const later = credit({ ...reliable, penalties }, NOW + 90 * DAY);
    expect(later).toMatchObject({ score: 730, level: 'very_good' });
    expect(part(later, 'no_shows').points).toBe(-80);
    expect(eventPoints(later, 'no_shows')).toEqual([-40, -40]);
    // After a year 2 × 4.81 = 9.6, rounded 10.
    const year = credit({ ...reliable, penalties }, NOW + 365 * DAY);
    expect(year).toMatchObject({ score: 800, level: 'excellent' });
    expect(part(year, 'no_shows').points).toBe(-10);
    expect(eventPoints(year, 'no_shows')).toEqual([-4.8, -4.8]);
    // Seen from today: in 30 days 2 × 63.50 = 126.99 → 127 (683), 90 → 730, 180 → 2 × 20 (770), 365 → 800.
    expect(today.projections.map((p) => [p.days, p.score])).toEqual([
      [30, 683],
      [90, 730],
      [180, 770],
      [365, 800],
    ]);
  });

  it('an employer who lost two disputes today, 10 completed orders rated 3 stars: 520, fair', () => {
    // 600 + 40 + 0 − 120.
    const b = credit({
      completed: 10,
      ratings: 10,
      stars: 30,
      penalties: [
        ['dispute_lost', 0],
        ['dispute_lost', 0],
      ],
    });
    expect(b).toMatchObject({ score: 520, level: 'fair' });
    expect(points(b)).toEqual([
      ['base', 600],
      ['completed_orders', 40],
      ['ratings', 0],
      ['verified', 0],
      ['no_shows', 0],
      ['late_cancellations', 0],
      ['disputes_lost', -120],
    ]);
  });
});
