import type { StatementLine } from './channel.js';
import { parseBeijingTime, splitCsvLine, textLines, yuanToFen } from './formats.js';

/**
 * WeChat Pay's trade bill (交易账单, bill_type=ALL), as the download_url of /v3/bill/tradebill
 * serves it: comma-separated text in four parts, a detail header row (交易时间,公众账号ID,商户号,…),
 * detail rows, a summary header row (总交易单数,…) and a summary row. Every field of the detail and
 * summary rows starts with a backtick (`) so spreadsheets keep long numbers as text. Amounts are
 * yuan. Payments have 交易状态 SUCCESS, refunds REFUND.
 */

const COLUMNS = {
  time: '交易时间',
  transactionId: '微信订单号',
  paymentId: '商户订单号',
  status: '交易状态',
  refundTransactionId: '微信退款单号',
  refundId: '商户退款单号',
  amount: '订单金额',
  refundAmount: '申请退款金额',
} as const;

export function parseWechatBill(text: string): StatementLine[] {
  const lines = textLines(text);
  const headerIndex = lines.findIndex((line) => line.startsWith(COLUMNS.time));
  if (headerIndex < 0) throw new Error('wechat bill: header row not found');
  const header = splitCsvLine(lines[headerIndex]!).map((name) => name.trim());
  const column = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`wechat bill: column ${name} missing`);
    return index;
  };
  const at = {
    time: column(COLUMNS.time),
    transactionId: column(COLUMNS.transactionId),
    paymentId: column(COLUMNS.paymentId),
    status: column(COLUMNS.status),
    refundTransactionId: column(COLUMNS.refundTransactionId),
    refundId: column(COLUMNS.refundId),
    amount: column(COLUMNS.amount),
    refundAmount: column(COLUMNS.refundAmount),
  };

  const result: StatementLine[] = [];
  for (const line of lines.slice(headerIndex + 1)) {
    // The summary header ends the detail rows; it is the first row without backticks.
    if (!line.startsWith('`')) break;
    const fields = splitCsvLine(line).map((field) => field.replace(/^`/, '').trim());
    const field = (index: number): string => fields[index] ?? '';
    const status = field(at.status);
    if (status !== 'SUCCESS' && status !== 'REFUND') continue;
    const refund = status === 'REFUND';
    const amountFen = yuanToFen(field(refund ? at.refundAmount : at.amount));
    const when = parseBeijingTime(field(at.time));
    const reference = field(refund ? at.refundId : at.paymentId);
    const transactionId = field(refund ? at.refundTransactionId : at.transactionId);
    if (amountFen === undefined || amountFen === 0 || when === undefined || !reference || !transactionId) {
      throw new Error(`wechat bill: unreadable ${status} row`);
    }
    result.push({ kind: refund ? 'refund' : 'payment', reference, transactionId, amountFen, at: when });
  }
  return result;
}
