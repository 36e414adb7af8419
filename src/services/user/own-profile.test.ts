import { describe, expect, it } from 'vitest';
import { checkProfileChanges } from './own-profile.js';

describe('profile changes', () => {
  it.each([
    ['no changes', {}],
    ['known skills', { skills: ['food.waiter', 'moving.mover'] }],
    ['no skills', { skills: [] }],
    ['a slot from 09:00 to 18:00', { availability: [{ weekday: 1, start: '09:00', end: '18:00' }] }],
    ['a slot up to midnight', { availability: [{ weekday: 6, start: '22:00', end: '24:00' }] }],
  ])('accepts %s', (_case, changes) => {
    expect(() => checkProfileChanges(changes)).not.toThrow();
  });

  it.each([
    ['an unknown skill', { skills: ['food.waiter', 'space.pilot'] }, 'SKILL_UNKNOWN'],
    [
      'a slot ending as it starts',
      { availability: [{ weekday: 1, start: '09:00', end: '09:00' }] },
      'AVAILABILITY_INVALID',
    ],
    [
      'a slot ending before it starts',
      { availability: [{ weekday: 1, start: '18:00', end: '09:00' }] },
      'AVAILABILITY_INVALID',
    ],
  ])('refuses %s', (_case, changes, code) => {
    expect(() => checkProfileChanges(changes)).toThrow(expect.objectContaining({ code }));
  });
});
