import { isAppError } from '../errors.js';

/**
 * A durable workflow (the saga role): a named list of steps, each an action that may call other
 * services and, where the action changed something, a compensation that undoes it. The runner
 * (runner.ts) stores every instance and each step's outcome in the owning service's database, so
 * a process that dies between two steps leaves a row that a sweep finishes or compensates.
 *
 *   const hire = workflow<HireInput>('order.hire')
 *     .step('reserve', { action: ({ input, key }) => places.reserve(input.shiftId, key),
 *                        compensate: ({ input, key }) => places.free(input.shiftId, key) })
 *     .step('hold', { action: ({ input, key }) => payments.hold(key, input.wageFen),
 *                     compensate: ({ key }) => payments.release(key) })
 *     .build();
 */

/** What a step's action sees. */
export interface StepContext<I, R> {
  readonly instanceId: string;
  /**
   * `<workflow>:<instance>:<step>`: the idempotency key to pass to every service the step calls,
   * so a step that is run again (a retry, or a sweep after a crash) applies its effect once.
   */
  readonly key: string;
  readonly input: I;
  /** The results of the steps before this one, by step name. */
  readonly results: R;
  /** 1 on the first attempt of this step. */
  readonly attempt: number;
}

/** What a compensation sees: the step's own result, or undefined when its outcome is unknown. */
export interface CompensationContext<I, R, T> extends StepContext<I, R> {
  /**
   * The action's result when it completed; undefined when it kept failing for the moment (a
   * timeout may still have applied it), so a compensation must undo by `key`, not by result alone.
   */
  readonly result: T | undefined;
}

export interface StepSpec<I, R, T> {
  /** Does the step's work; its result must be JSON (it is stored for later steps and restarts). */
  action: (ctx: StepContext<I, R>) => Promise<T>;
  /** Undoes the action; must be idempotent and succeed when there is nothing to undo. */
  compensate?: (ctx: CompensationContext<I, R, T>) => Promise<void>;
  /** Whether an error refuses the step for good (default: isPermanentError). */
  permanent?: (error: unknown) => boolean;
}

/** How often and how fast a step that fails for the moment is tried again. */
export interface RetryPolicy {
  /** Attempts of a step's action before the workflow gives up and compensates (default 5). */
  attempts: number;
  /** Attempts of a compensation before the instance is marked failed for an admin (default 10). */
  compensationAttempts: number;
  /** First wait between attempts; doubled each time, with jitter, up to maxMs (backoffMs). */
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  compensationAttempts: 10,
  baseMs: 200,
  maxMs: 30_000,
};

/** A step as the runner holds it (its types erased: results come back from the database as JSON). */
export interface WorkflowStep {
  readonly name: string;
  action(ctx: StepContext<unknown, Record<string, unknown>>): Promise<unknown>;
  compensate?(ctx: CompensationContext<unknown, Record<string, unknown>, unknown>): Promise<void>;
  permanent(error: unknown): boolean;
}

export interface WorkflowDefinition<I = unknown, R = Record<string, unknown>> {
  readonly name: string;
  readonly steps: readonly WorkflowStep[];
  readonly retry: RetryPolicy;
  /** Phantom: the input and results types, for start() and the instance it answers. */
  readonly _types?: { readonly input: I; readonly results: R };
}

export interface WorkflowBuilder<I, R> {
  /** Adds a step; later steps see its result as `results[name]`. */
  step<const N extends string, T>(
    name: N,
    spec: StepSpec<I, R, T>,
  ): WorkflowBuilder<I, R & { readonly [K in N]: T }>;
  build(): WorkflowDefinition<I, R>;
}

/** Starts the definition of workflow `name` (`<service>.<flow>`, e.g. "order.hire"). */
export function workflow<I>(
  name: string,
  retry: Partial<RetryPolicy> = {},
): WorkflowBuilder<I, Record<never, never>> {
  if (!/^[a-z][a-z_]*\.[a-z][a-z_-]*$/.test(name))
    throw new Error(`workflow name "${name}" is not service.flow`);
  return builder<I, Record<never, never>>(name, [], { ...DEFAULT_RETRY, ...retry });
}

function builder<I, R>(name: string, steps: WorkflowStep[], retry: RetryPolicy): WorkflowBuilder<I, R> {
  return {
    step<const N extends string, T>(stepName: N, spec: StepSpec<I, R, T>) {
      if (steps.some((s) => s.name === stepName)) throw new Error(`${name}: step "${stepName}" twice`);
      // The runner hands back what the action stored; the builder's types say what that was.
      const erased = {
        name: stepName,
        action: spec.action,
        compensate: spec.compensate,
        permanent: spec.permanent ?? isPermanentError,
      } as unknown as WorkflowStep;
      return builder<I, R & { readonly [K in N]: T }>(name, [...steps, erased], retry);
    },
    build() {
      if (steps.length === 0) throw new Error(`${name}: a workflow needs at least one step`);
      return { name, steps, retry };
    },
  };
}

/**
 * A business refusal (a 4xx other than 408 and 429, as the called service answered it) will not
 * change on a retry: the workflow compensates at once. Anything else — a timeout, a 503, a
 * connection refused — may pass, so the step is tried again.
 */
export function isPermanentError(error: unknown): boolean {
  return (
    isAppError(error) &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429
  );
}
