import { describe, expect, it } from 'vitest';
import { rolesStillHeld } from './tokens.js';

describe('access tokens after a role revocation', () => {
  it.each([
    ['read before the revocation', 6, 7, false],
    ['read at the revoking version', 7, 7, true],
    ['read after it', 9, 7, true],
    ['without the claim (issued before it existed)', undefined, 1, false],
    ['with a claim of another type', '9', 7, false],
  ])('a token whose roles were %s is accepted: %s', (_case, rv, revokedAt, held) => {
    expect(rolesStillHeld(rv, revokedAt)).toBe(held);
  });
});
