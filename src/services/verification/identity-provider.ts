/**
 * The identity-check port of the verification service: a two-factor match of a person's name and
 * mainland resident ID number against an authoritative source (Tencent Cloud FaceID), or a queue for
 * an admin when no such source is configured. Providers never throw for their own failures: anything
 * they cannot decide comes back as `review`, so a request is never lost to a provider outage.
 */

/** The answer of an identity provider for one name + ID number pair. */
export type IdentityCheck =
  /** The source confirmed that the name and the ID number belong together. */
  | { result: 'match'; reference: string; detail: string }
  /** The source said that the name and the ID number do not belong together. */
  | { result: 'mismatch'; reference: string; detail: string }
  /** The provider could not decide, failed or is manual: an admin reviews the request. */
  | { result: 'review'; reference: string | null; detail: string };

/**
 * Checks a name against a resident ID number. `reference` is the provider's id of the call (e.g.
 * Tencent's RequestId) for support tickets and audits; `detail` is a short English note for admins.
 * Neither ever contains the name, the ID number or a credential.
 */
export interface IdentityProvider {
  readonly name: 'tencent' | 'manual';
  check(subject: { name: string; idNumber: string }): Promise<IdentityCheck>;
}

/** The provider used when no automatic source is configured: every request goes to an admin. */
export const manualIdentityProvider: IdentityProvider = {
  name: 'manual',
  async check() {
    return { result: 'review', reference: null, detail: 'queued for manual review' };
  },
};
