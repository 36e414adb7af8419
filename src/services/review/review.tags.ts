import type { ReviewDirection } from './review.db.js';

export interface ReviewTag {
  code: string;
  zh: string;
  en: string;
}

/** The fixed tags each direction may use (codes are stable; labels are for display). */
export const REVIEW_TAGS: Record<ReviewDirection, readonly ReviewTag[]> = {
  worker_to_employer: [
    { code: 'paid_on_time', zh: '结算及时', en: 'Paid on time' },
    { code: 'good_environment', zh: '环境好', en: 'Good workplace' },
    { code: 'as_described', zh: '如实描述', en: 'As described' },
    { code: 'friendly', zh: '态度友善', en: 'Friendly' },
    { code: 'well_organised', zh: '管理有序', en: 'Well organised' },
    { code: 'meals_provided', zh: '包餐', en: 'Meals provided' },
    { code: 'paid_late', zh: '结算拖延', en: 'Paid late' },
    { code: 'not_as_described', zh: '与描述不符', en: 'Not as described' },
    { code: 'rude', zh: '态度恶劣', en: 'Rude' },
  ],
  employer_to_worker: [
    { code: 'punctual', zh: '准时', en: 'Punctual' },
    { code: 'diligent', zh: '认真', en: 'Diligent' },
    { code: 'communicates_well', zh: '沟通好', en: 'Communicates well' },
    { code: 'skilled', zh: '技能熟练', en: 'Skilled' },
    { code: 'cooperative', zh: '服从安排', en: 'Follows instructions' },
    { code: 'hardworking', zh: '能吃苦', en: 'Hard-working' },
    { code: 'late', zh: '迟到', en: 'Late' },
    { code: 'left_early', zh: '早退', en: 'Left early' },
    { code: 'poor_attitude', zh: '态度差', en: 'Poor attitude' },
  ],
};

export const MAX_TAGS = 5;

/** The codes of `tags` that `direction` does not offer. */
export function unknownTags(direction: ReviewDirection, tags: readonly string[]): string[] {
  const allowed = new Set(REVIEW_TAGS[direction].map((t) => t.code));
  return tags.filter((t) => !allowed.has(t));
}
