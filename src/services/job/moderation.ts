/**
 * Automatic moderation of job posts (内容审核), run when a job is submitted and when an open job's
 * text changes. Pure: text in, verdict out.
 *
 * - `refuse`: content no gig platform may carry (brushing orders, gambling, sex work, pyramid
 *   schemes …). The post is refused with the reason and nothing is saved.
 * - `review`: patterns of pay-to-work fraud (the worker is asked for 押金, 培训费, 会员费 …) or of
 *   moving the conversation off the platform. The job waits in the admin review queue.
 * - `pass`: the job opens.
 *
 * Text is normalised before matching (NFKC folds full-width letters, case folded, spaces and
 * punctuation removed), so "押 金", "押-金" and "ＱＱ群" are caught. A negation right before a
 * pay-to-work term ("无押金", "不收培训费", "免服装费") is the opposite claim and passes.
 */
export type ModerationDecision = 'pass' | 'review' | 'refuse';

export interface ModerationFinding {
  kind: 'prohibited' | 'pay_to_work' | 'off_platform_contact';
  term: string;
  field: string;
}

export interface ModerationVerdict {
  decision: ModerationDecision;
  findings: ModerationFinding[];
  /** A short reason in Chinese for the employer or the reviewer; null when the post passes. */
  reason: string | null;
}

const PROHIBITED = [
  '刷单',
  '刷信誉',
  '刷好评',
  '赌博',
  '博彩',
  '菠菜',
  '色情',
  '裸聊',
  '陪睡',
  '代孕',
  '卖血',
  '卖卵',
  '传销',
  '资金盘',
  '套现',
  '办证',
  '代考',
  '枪支',
  '毒品',
  '洗钱',
  '跑分',
];

const PAY_TO_WORK = [
  '押金',
  '保证金',
  '培训费',
  '会员费',
  '入会费',
  '服装费',
  '工服费',
  '工装费',
  '体检费',
  '入职费',
  '介绍费',
  '中介费',
  '报名费',
  '资料费',
  '办卡费',
  '认证费',
  '先交钱',
  '先交费',
  '交钱上岗',
  '垫付',
];

const OFF_PLATFORM = ['加微信', '加微', '加v', '加vx', '微信号', 'vx号', 'qq群', '加qq', '私聊', 'telegram'];

const NEGATIONS = [
  '无需',
  '无',
  '不收取',
  '不收',
  '不需要',
  '不需',
  '免收',
  '免',
  '没有',
  '零',
  '拒绝',
  '不交',
];

// Letters, digits and CJK ideographs stay; everything else (spaces, punctuation, symbols) goes.
const NOISE = /[^\p{L}\p{N}]/gu;

export function normalizeForModeration(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(NOISE, '');
}

export function moderate(fields: Record<string, string | readonly string[]>): ModerationVerdict {
  const findings: ModerationFinding[] = [];
  for (const [field, value] of Object.entries(fields)) {
    const text = normalizeForModeration(Array.isArray(value) ? value.join('|') : (value as string));
    for (const term of PROHIBITED) {
      if (text.includes(term)) findings.push({ kind: 'prohibited', term, field });
    }
    for (const term of PAY_TO_WORK) {
      if (occursAffirmed(text, term)) findings.push({ kind: 'pay_to_work', term, field });
    }
    for (const term of OFF_PLATFORM) {
      if (text.includes(term)) findings.push({ kind: 'off_platform_contact', term, field });
    }
  }
  const prohibited = findings.filter((f) => f.kind === 'prohibited');
  if (prohibited.length > 0) {
    return { decision: 'refuse', findings, reason: `含有禁止发布的内容：${terms(prohibited)}` };
  }
  if (findings.length > 0) {
    const parts: string[] = [];
    const pay = findings.filter((f) => f.kind === 'pay_to_work');
    const contact = findings.filter((f) => f.kind === 'off_platform_contact');
    if (pay.length > 0) parts.push(`疑似向求职者收费：${terms(pay)}`);
    if (contact.length > 0) parts.push(`疑似引导站外联系：${terms(contact)}`);
    return { decision: 'review', findings, reason: parts.join('；') };
  }
  return { decision: 'pass', findings, reason: null };
}

/** True when `term` occurs at least once without a negation right before it. */
function occursAffirmed(text: string, term: string): boolean {
  for (let at = text.indexOf(term); at !== -1; at = text.indexOf(term, at + 1)) {
    const before = text.slice(Math.max(0, at - 4), at);
    if (!NEGATIONS.some((n) => before.endsWith(n))) return true;
  }
  return false;
}

function terms(findings: ModerationFinding[]): string {
  return [...new Set(findings.map((f) => f.term))].join('、');
}
