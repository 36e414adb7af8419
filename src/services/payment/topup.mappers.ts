import type { TopupRow } from './topup.repository.js';
import type { AdminTopup, TopupView } from './topup.schemas.js';

type FormatInstant = (instant: number) => string;

/** A top-up as its owner sees it; instants in the business time zone. */
export function toTopupView(row: TopupRow, at: FormatInstant): TopupView {
  return {
    id: row.id,
    channel: row.channel,
    amountFen: row.amount_fen,
    status: row.status,
    pay: row.start ? (JSON.parse(row.start) as TopupView['pay']) : null,
    expiresAt: at(row.expires_at),
    paidAt: row.paid_at === null ? null : at(row.paid_at),
  };
}

/** A top-up as an admin sees it: with whose it is, what was paid, and why it is held. */
export function toAdminTopup(row: TopupRow, at: FormatInstant): AdminTopup {
  return {
    ...toTopupView(row, at),
    userId: row.user_id,
    paidAmountFen: row.paid_amount_fen,
    channelTransactionId: row.channel_transaction_id,
    note: row.note,
    createdAt: at(row.created_at),
    updatedAt: at(row.updated_at),
  };
}
