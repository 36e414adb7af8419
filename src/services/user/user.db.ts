import type { Generated } from 'kysely';

/** The user service's tables, as Kysely sees them. Only user.repository.ts and tokens.repository.ts query them. */
export interface UserDB {
  user_accounts: {
    id: string;
    phone_cipher: string | null;
    phone_hash: string | null;
    display_name: string;
    avatar_key: string | null;
    bio: string | null;
    home_area: string | null;
    availability: string | null;
    roles: string;
    status: AccountStatus;
    password_hash: string | null;
    failed_logins: Generated<number>;
    locked_until: Generated<number>;
    version: number;
    created_at: number;
    updated_at: number;
    deleted_at: number | null;
    /** Skill codes, sorted, joined by commas ('' for none): see user.mappers.ts `skillsOf`. */
    skills: Generated<string>;
  };
  user_sms_codes: {
    id: string;
    phone_hash: string;
    purpose: string;
    code_hash: string;
    attempts: Generated<number>;
    expires_at: number;
    consumed_at: number | null;
    created_at: number;
  };
  user_sms_quota: { scope: string; count: number; expires_at: number };
  user_sessions: {
    id: string;
    user_id: string;
    created_at: number;
    expires_at: number;
    last_used_at: number;
    revoked_at: number | null;
    revoke_reason: string | null;
    user_agent: string | null;
  };
  user_refresh_tokens: {
    token_hash: string;
    session_id: string;
    created_at: number;
    rotated_at: number | null;
  };
  user_signing_keys: {
    kid: string;
    alg: string;
    public_jwk: string;
    private_jwk_cipher: string;
    created_at: number;
    retired_at: number | null;
    expires_at: number | null;
  };
}

export type AccountStatus = 'active' | 'suspended' | 'deleted';
