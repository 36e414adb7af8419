/** Top-ups (充值): a user pays a channel, and the wallet is credited once the channel says so. */
export interface TopupTables {
  payment_topups: {
    /** Also the channel's out_trade_no. */
    id: string;
    user_id: string;
    channel: 'alipay' | 'wechat' | 'sandbox';
    amount_fen: number;
    /**
     * pending → paid | closed; held: paid with another amount, waiting for an admin (→ paid when
     * credited, → refunded when an admin refunded it through the channel's console: final). A closed top-up paid late is still credited (→ paid).
     */
    status: 'pending' | 'paid' | 'closed' | 'held' | 'refunded';
    /** JSON: what the app needs to pay (a QR code or a redirect URL); '' until the channel answered. */
    start: string;
    /** The channel's transaction id once paid (unique per channel: a notification credits once). */
    channel_transaction_id: string | null;
    paid_amount_fen: number | null;
    note: string | null;
    expires_at: number;
    created_at: number;
    updated_at: number;
    paid_at: number | null;
  };
}
