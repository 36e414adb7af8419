import type { ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { Text } from '../schemas.js';
import { toFieldErrors, validatorCompiler } from './validation.js';
import Type from 'typebox';

/** The text rule inside request validation: lengths count the normalised text, one error a field. */
describe('Text() in a request body', () => {
  const schema = Type.Object({ name: Text({ minLength: 2, maxLength: 5 }) });
  const validate = validatorCompiler({ schema, httpPart: 'body', method: 'POST', url: '/' }) as ((
    data: unknown,
  ) => boolean) & { errors?: ErrorObject[] | null };
  const check = (name: string) => {
    const body = { name };
    const ok = validate(body);
    return {
      ok,
      body,
      codes: ok ? [] : toFieldErrors(validate.errors ?? [], 'body', 'en').map((e) => e.code),
    };
  };

  it('measures the trimmed, NFC text against minLength and maxLength', () => {
    expect(check('  abc  ')).toEqual({ ok: true, body: { name: 'abc' }, codes: [] });
    expect(check('e\u0301e\u0301e\u0301')).toEqual({ ok: true, body: { name: 'ééé' }, codes: [] });
  });

  it('answers one error for a text too short or too long', () => {
    expect(check('a').codes).toEqual(['TEXT_TOO_SHORT']);
    expect(check(' a ').codes).toEqual(['TEXT_TOO_SHORT']);
    expect(check('abcdefg').codes).toEqual(['TEXT_TOO_LONG']);
  });
});
