import type { Actor, OrderState } from './order.db.js';
import { OrderErrors } from './order.errors.js';

/**
 * The order state machine: every action, the states it may start from, the state it leads to and
 * who may take it. Nothing moves an order but `assertTransition` against this table (the repository
 * then moves it with the version it read), so the table is the whole truth of what may happen.
 *
 *   hiring ─hire→ hired ─check_in→ checked_in ─check_out→ checked_out ─submit→ submitted ─confirm→ completed
 *     └void→ void    ├cancel→ cancelled        └stop→ cancelled          ├dispute→ disputed ─decide→ resolved
 *                    └no_show→ no_show                                    └(submitted) dispute→ disputed
 */
export const TRANSITIONS = {
  /** The hire workflow ended well: place, job count and escrow are in. */
  hire: { from: ['hiring'], to: 'hired', actors: ['system'] },
  /** The hire workflow was refused and compensated. */
  void: { from: ['hiring'], to: 'void', actors: ['system'] },
  check_in: { from: ['hired'], to: 'checked_in', actors: ['worker', 'admin'] },
  check_out: { from: ['checked_in'], to: 'checked_out', actors: ['worker', 'admin'] },
  submit: { from: ['checked_out'], to: 'submitted', actors: ['worker', 'admin'] },
  /** The employer confirms (or the deadline does): the pay is released from the escrow. */
  confirm: { from: ['submitted'], to: 'completed', actors: ['employer', 'system', 'admin'] },
  /** Before work starts: by rule, free or with compensation (employer) or counted (worker). */
  cancel: { from: ['hired'], to: 'cancelled', actors: ['worker', 'employer', 'admin', 'system'] },
  /** Work under way is stopped (the job was taken down, an operator): hours worked are paid. */
  stop: { from: ['checked_in', 'checked_out', 'submitted'], to: 'cancelled', actors: ['admin', 'system'] },
  /** No check-in by the shift's start plus the grace: the escrow goes back to the employer. */
  no_show: { from: ['hired'], to: 'no_show', actors: ['system', 'admin'] },
  dispute: { from: ['checked_out', 'submitted'], to: 'disputed', actors: ['worker', 'employer'] },
  decide: { from: ['disputed'], to: 'resolved', actors: ['admin'] },
} as const satisfies Record<
  string,
  { from: readonly OrderState[]; to: OrderState; actors: readonly Actor[] }
>;

export type OrderAction = keyof typeof TRANSITIONS;
export const ORDER_ACTIONS = Object.keys(TRANSITIONS) as OrderAction[];

export const ORDER_STATES = [
  'hiring',
  'void',
  'hired',
  'checked_in',
  'checked_out',
  'submitted',
  'completed',
  'cancelled',
  'no_show',
  'disputed',
  'resolved',
] as const satisfies readonly OrderState[];

/** States an order never leaves. */
export const FINAL_STATES: readonly OrderState[] = ['void', 'completed', 'cancelled', 'no_show', 'resolved'];
/** States in which an order holds a place of its shift and money in escrow. */
export const LIVE_STATES: readonly OrderState[] = [
  'hired',
  'checked_in',
  'checked_out',
  'submitted',
  'disputed',
];

/** The state `action` leads to from `state`, or a 409 naming the current state (403 for the actor). */
export function assertTransition(action: OrderAction, state: OrderState, actor: Actor): OrderState {
  const t = TRANSITIONS[action];
  if (!(t.from as readonly OrderState[]).includes(state))
    throw OrderErrors.ORDER_STATE_INVALID({ state, action });
  if (!(t.actors as readonly Actor[]).includes(actor)) throw OrderErrors.ORDER_ACTION_FORBIDDEN({ action });
  return t.to;
}

/** The actions that lead from `state` to `to` (an admin's forced transition picks one of them). */
export function actionsBetween(state: OrderState, to: OrderState): OrderAction[] {
  return ORDER_ACTIONS.filter(
    (a) => TRANSITIONS[a].to === to && (TRANSITIONS[a].from as readonly OrderState[]).includes(state),
  );
}
