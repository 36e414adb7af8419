import { defineErrors } from '../../platform/errors.js';
import { formatYuan, money } from '../../platform/money.js';

const yuan = (fen: string | number | undefined) => formatYuan(money(Number(fen ?? 0)));

/** The escrow's error codes (stable; the order service and clients switch on them). */
export const EscrowErrors = defineErrors({
  ESCROW_INSUFFICIENT_FUNDS: {
    status: 409,
    zh: (p) =>
      `钱包余额不足：托管需 ${yuan(p.requiredFen)}，可用 ${yuan(p.availableFen)}，还差 ${yuan(p.shortFen)}（${p.shortFen} 分）`,
    en: (p) =>
      `Insufficient wallet balance: the escrow needs ${p.requiredFen} fen, ${p.availableFen} fen available, short by ${p.shortFen} fen`,
  },
  ESCROW_AMOUNT_INVALID: {
    status: 409,
    zh: (p) => `金额无效：须为 0 至托管工资 ${yuan(p.wageFen)} 之间的整数分`,
    en: (p) => `Invalid amount: a whole number of fen from 0 up to the wage held (${p.wageFen} fen)`,
  },
  ESCROW_NOT_HELD: {
    status: 409,
    zh: '该订单没有托管的押金',
    en: 'Nothing is held in escrow for this order',
  },
  ESCROW_ALREADY_FINAL: {
    status: 409,
    zh: '该订单的押金已结算或已退回，不能再次处理',
    en: "This order's escrow was already released or refunded",
  },
  ESCROW_CONFLICT: {
    status: 409,
    zh: '请求与该订单已托管的押金不符（金额或雇主不同）',
    en: "The request does not match this order's escrow (another amount or employer)",
  },
  ESCROW_NOT_PENDING: {
    status: 409,
    zh: '该订单没有该工人待结算的报酬',
    en: 'This order has no pay pending settlement for this worker',
  },
  ESCROW_ORDER_MISMATCH: {
    status: 400,
    zh: '请求体中的订单号与路径中的不一致',
    en: "The body's orderId is not the one in the path",
  },
});
