import { TextDecoder } from 'node:util';

import type { StatementLine } from './channel.js';
import { parseBeijingTime, splitCsvLine, textLines, yuanToFen } from './formats.js';
import { readZip } from './zip.js';

/**
 * Alipay's trade statement (bill_type=trade, 业务账单): a ZIP archive holding two GBK-encoded CSV
 * files, the detail (…_业务明细.csv) and its summary (…_业务明细(汇总).csv). The detail starts with
 * `#` comment lines, then a header row (支付宝交易号,商户订单号,业务类型,…,订单金额（元）,…,
 * 退款批次号/请求号,…), the rows, and `#` footer lines. Fields often carry trailing tabs.
 */

/** The detail CSV of a statement archive, decoded from GBK. */
export function alipayBillDetail(archive: Buffer): string {
  const gbk = new TextDecoder('gbk');
  const detail = readZip(archive, gbk).find(
    (entry) => entry.name.endsWith('.csv') && entry.name.includes('业务明细') && !entry.name.includes('汇总'),
  );
  if (!detail) throw new Error('alipay bill: no detail file in the archive');
  return gbk.decode(detail.data);
}

const COLUMNS = {
  transactionId: '支付宝交易号',
  paymentId: '商户订单号',
  type: '业务类型',
  finishedAt: '完成时间',
  amount: '订单金额（元）',
  refundId: '退款批次号/请求号',
} as const;

/**
 * The payment and refund lines of a detail CSV. Columns are found by their header names, not by
 * position, since Alipay has added columns over the years. 交易 rows are payments of 订单金额;
 * 退款 rows are refunds, referenced by our refund request number, whose amounts Alipay writes
 * negative. Other row types (none for our products) are left out.
 */
export function parseAlipayBill(csv: string): StatementLine[] {
  const lines = textLines(csv);
  const headerIndex = lines.findIndex((line) => clean(line).startsWith(COLUMNS.transactionId));
  if (headerIndex < 0) throw new Error('alipay bill: header row not found');
  const header = splitCsvLine(lines[headerIndex]!).map(clean);
  const column = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`alipay bill: column ${name} missing`);
    return index;
  };
  const at = {
    transactionId: column(COLUMNS.transactionId),
    paymentId: column(COLUMNS.paymentId),
    type: column(COLUMNS.type),
    finishedAt: column(COLUMNS.finishedAt),
    amount: column(COLUMNS.amount),
    refundId: column(COLUMNS.refundId),
  };

  const result: StatementLine[] = [];
  for (const line of lines.slice(headerIndex + 1)) {
    if (line.startsWith('#')) break;
    const fields = splitCsvLine(line).map(clean);
    const field = (index: number): string => fields[index] ?? '';
    const type = field(at.type);
    if (type !== '交易' && type !== '退款') continue;
    const amount = yuanToFen(field(at.amount), { allowNegative: true });
    const when = parseBeijingTime(field(at.finishedAt));
    const reference = type === '交易' ? field(at.paymentId) : field(at.refundId);
    if (
      amount === undefined ||
      amount === 0 ||
      when === undefined ||
      !reference ||
      !field(at.transactionId)
    ) {
      throw new Error(`alipay bill: unreadable ${type} row`);
    }
    result.push({
      kind: type === '交易' ? 'payment' : 'refund',
      reference,
      transactionId: field(at.transactionId),
      amountFen: Math.abs(amount),
      at: when,
    });
  }
  return result;
}

function clean(field: string): string {
  return field.replace(/^[\s\t]+|[\s\t]+$/g, '');
}
