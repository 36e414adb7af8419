import type { Lang } from '../../platform/context.js';
import type { NotificationKind } from './message.db.js';

type Params = Record<string, unknown>;
interface Template {
  zh: (p: Params) => { title: string; body: string };
  en: (p: Params) => { title: string; body: string };
}

const yuan = (fen: unknown) => (Number(fen) / 100).toFixed(2);
const by = (p: Params, zh: boolean) =>
  p.by === 'worker'
    ? zh
      ? '工人'
      : 'the worker'
    : p.by === 'employer'
      ? zh
        ? '雇主'
        : 'the employer'
      : zh
        ? '平台'
        : 'the platform';

/** What each kind of notification says, in Chinese and English; params are ids and amounts only. */
export const TEMPLATES: Record<NotificationKind, Template> = {
  order_hired: {
    zh: () => ({ title: '录用成功', body: '你已被录用，请按时到岗并在现场签到。' }),
    en: () => ({ title: 'Hired', body: 'You are hired: be on site on time and check in there.' }),
  },
  order_cancelled: {
    zh: (p) => ({
      title: '订单已取消',
      body: `订单已被${by(p, true)}取消${p.late ? '（临时取消）' : ''}${Number(p.compensationFen) > 0 ? `，补偿 ${yuan(p.compensationFen)} 元` : ''}。`,
    }),
    en: (p) => ({
      title: 'Order cancelled',
      body: `The order was cancelled by ${by(p, false)}${p.late ? ' (late)' : ''}${Number(p.compensationFen) > 0 ? `; compensation ${yuan(p.compensationFen)} yuan` : ''}.`,
    }),
  },
  order_no_show: {
    zh: () => ({ title: '工人未到岗', body: '工人未按时签到，托管资金已退回你的钱包。' }),
    en: () => ({
      title: 'No-show',
      body: 'The worker did not check in; the escrow went back to your wallet.',
    }),
  },
  order_completed: {
    zh: (p) => ({ title: '工资已到账', body: `订单已完成，工资 ${yuan(p.payFen)} 元已发放。` }),
    en: (p) => ({ title: 'Paid', body: `The order is complete: ${yuan(p.payFen)} yuan paid.` }),
  },
  dispute_decided: {
    zh: (p) => ({
      title: '纠纷已裁决',
      body: `平台已裁决：工人获得 ${yuan(p.workerFen)} 元，其余退回雇主。`,
    }),
    en: (p) => ({
      title: 'Dispute decided',
      body: `Decided: ${yuan(p.workerFen)} yuan to the worker, the rest back to the employer.`,
    }),
  },
  verification_approved: {
    zh: (p) => ({
      title: '认证通过',
      body: p.kind === 'enterprise' ? '你的企业认证已通过。' : '你的实名认证已通过。',
    }),
    en: (p) => ({
      title: 'Verified',
      body: p.kind === 'enterprise' ? 'Your company is verified.' : 'Your real name is verified.',
    }),
  },
  verification_rejected: {
    zh: () => ({ title: '认证未通过', body: '你的认证申请未通过，请查看原因后重新提交。' }),
    en: () => ({
      title: 'Verification refused',
      body: 'Your request was refused; see why and send it again.',
    }),
  },
  shift_reminder: {
    zh: () => ({ title: '开工提醒', body: '你的班次将在 1 小时后开始，请准时到岗签到。' }),
    en: () => ({ title: 'Shift soon', body: 'Your shift starts in an hour: be on site and check in.' }),
  },
  check_in_missing: {
    zh: (p) =>
      p.to === 'employer'
        ? { title: '工人尚未签到', body: '班次已开始 15 分钟，工人仍未签到。' }
        : { title: '尚未签到', body: '班次已开始 15 分钟，你还没有签到，请尽快到岗签到，超时将记为爽约。' },
    en: (p) =>
      p.to === 'employer'
        ? {
            title: 'No check-in yet',
            body: 'The shift started 15 minutes ago and the worker has not checked in.',
          }
        : {
            title: 'Not checked in',
            body: 'Your shift started 15 minutes ago: check in now, or it counts as a no-show.',
          },
  },
  topup_succeeded: {
    zh: (p) => ({ title: '充值到账', body: `${yuan(p.amountFen)} 元已充入钱包。` }),
    en: (p) => ({ title: 'Top-up received', body: `${yuan(p.amountFen)} yuan is in your wallet.` }),
  },
  pay_settled: {
    zh: (p) => ({ title: '周结工资到账', body: `${yuan(p.amountFen)} 元已结算到钱包，可以提现。` }),
    en: (p) => ({
      title: 'Weekly pay settled',
      body: `${yuan(p.amountFen)} yuan is settled into your wallet and can be withdrawn.`,
    }),
  },
  withdrawal_succeeded: {
    zh: (p) => ({ title: '提现成功', body: `${yuan(p.amountFen)} 元已转到你的收款账户。` }),
    en: (p) => ({ title: 'Withdrawal paid', body: `${yuan(p.amountFen)} yuan was paid to your account.` }),
  },
  withdrawal_failed: {
    zh: (p) => ({ title: '提现失败', body: `${yuan(p.amountFen)} 元提现未成功，已退回钱包。` }),
    en: (p) => ({
      title: 'Withdrawal failed',
      body: `The withdrawal of ${yuan(p.amountFen)} yuan failed; the money is back in your wallet.`,
    }),
  },
  review_received: {
    zh: (p) => ({ title: '收到新评价', body: `你收到了一条 ${String(p.stars)} 星评价。` }),
    en: (p) => ({ title: 'New review', body: `You received a ${String(p.stars)}-star review.` }),
  },
};

/** A notification's title and body in `lang`. */
export function render(kind: string, params: Params, lang: Lang): { title: string; body: string } {
  const t = TEMPLATES[kind as NotificationKind];
  if (!t) return { title: kind, body: '' };
  return (lang === 'en' ? t.en : t.zh)(params);
}
