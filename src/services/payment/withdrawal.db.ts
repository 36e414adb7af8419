/** Withdrawals (提现): from the wallet to the user's own Alipay or WeChat account. */
export interface WithdrawalTables {
  payment_withdrawals: {
    id: string;
    user_id: string;
    channel: 'alipay' | 'wechat' | 'sandbox';
    /** The payee account (Alipay login or user id, WeChat openid), encrypted. */
    account_cipher: string;
    /** The payee's real name as sent to the channel (the verified name), encrypted. */
    payee_name_cipher: string;
    amount_fen: number;
    fee_fen: number;
    /** review (waits for an admin) → processing → succeeded | failed; review → rejected. */
    status: 'review' | 'processing' | 'succeeded' | 'failed' | 'rejected';
    channel_transaction_id: string | null;
    /** WeChat Pay: the package_info the payee's app confirms the transfer with; null elsewhere. */
    user_confirmation: string | null;
    reason: string | null;
    reviewed_by: string | null;
    created_at: number;
    updated_at: number;
    /** When the channel was last asked about it (the poll asks the longest-unasked first). */
    checked_at: number;
    finished_at: number | null;
  };
}
