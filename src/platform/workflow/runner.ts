import type { Clock } from '../clock.js';
import { readPage, type CursorCodec, type Page, type PageRequest } from '../cursor.js';
import { affectedRows, insertIgnore, rowsAfterId } from '../db/helpers.js';
import type { ServiceDatabase } from '../db/service-database.js';
import { assertNoTransaction } from '../db/service-database.js';
import { defineErrors, isAppError, PlatformMisuseError } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { ScheduleSpec } from '../jobs/scheduler.js';
import type { Logger } from '../log.js';
import { backoffMs } from '../events/types.js';
import { inInternalSpan } from '../tracing.js';
import type { WorkflowDefinition, WorkflowStep } from './workflow.js';

export const WORKFLOW_STATES = ['running', 'compensating', 'completed', 'compensated', 'failed'] as const;
/**
 * running → completed; running → compensating (a step refused, or kept failing) → compensated;
 * compensating → failed when a compensation keeps failing (an admin retries it).
 */
export type WorkflowState = (typeof WORKFLOW_STATES)[number];
const LIVE: WorkflowState[] = ['running', 'compensating'];

export const WorkflowErrors = defineErrors({
  WORKFLOW_NOT_FOUND: { status: 404, zh: '流程实例不存在', en: 'Workflow instance not found' },
  WORKFLOW_NOT_RETRYABLE: {
    status: 409,
    zh: (p) => `流程实例已结束（${p.state}），不能重试`,
    en: (p) => `The workflow instance has ended (${p.state}) and cannot be retried`,
  },
});

/** Why a step failed, as stored: the called service's code and status when it answered one. */
export interface StepError {
  step: string;
  code: string;
  status: number | null;
  message: string;
}

export interface StepOutcome {
  step: string;
  outcome:
    'done' | 'refused' | 'retry' | 'gave_up' | 'compensated' | 'compensation_retry' | 'compensation_failed';
  attempt: number;
  at: number;
  error?: string;
}

/** A workflow instance as callers and admins see it. */
export interface WorkflowInstance<R = Record<string, unknown>> {
  id: string;
  name: string;
  key: string;
  state: WorkflowState;
  /** The step being run or compensated next; null once the instance has ended. */
  step: string | null;
  results: Partial<R>;
  /** What made it compensate (or fail). */
  error: StepError | null;
  attempts: number;
  nextAttemptAt: number | null;
  history: StepOutcome[];
  createdAt: number;
  updatedAt: number;
  endedAt: number | null;
}

interface Row {
  id: string;
  name: string;
  business_key: string;
  state: WorkflowState;
  input: string;
  results: string;
  step: number;
  attempts: number;
  error: string | null;
  history: string;
  next_at: number;
  lease_owner: string | null;
  lease_until: number;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
}

const HISTORY_LIMIT = 200;
/** The business_key column's width. */
const MAX_KEY_LENGTH = 200;
const SWEEP_BATCH = 50;

export interface WorkflowOptions {
  /** How long a driving process holds an instance before another may take it over (default 30 s). */
  leaseMs?: number;
  /** Identifies this process in leases (host:pid). */
  owner: string;
}

/**
 * The workflows of one service: stored in its `<service>_workflows` table, driven by the process
 * that starts them, resumed by a sweep (a schedule, once per tick across processes) after a crash
 * or when a retry falls due. Actions and compensations run outside any transaction: they call
 * other services.
 */
export function createWorkflowRunner(
  db: ServiceDatabase<unknown>,
  deps: { clock: Clock; ids: IdGenerator; log: Logger; cursors: CursorCodec },
  options: WorkflowOptions,
) {
  const table = db.table('workflows');
  const leaseMs = options.leaseMs ?? 30_000;
  const owner = options.owner.slice(0, 64);
  const definitions = new Map<string, WorkflowDefinition>();
  const inFlight = new Map<string, Promise<void>>();
  const waiters = new Map<string, Set<() => void>>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  const q = () => db.untyped();

  function toInstance(row: Row): WorkflowInstance {
    const live = LIVE.includes(row.state) || row.state === 'failed';
    return {
      id: row.id,
      name: row.name,
      key: row.business_key,
      state: row.state,
      step: live ? (definitions.get(row.name)?.steps[row.step]?.name ?? null) : null,
      results: parseJson(row.results),
      error: row.error ? parseJson<StepError>(row.error) : null,
      attempts: row.attempts,
      nextAttemptAt: LIVE.includes(row.state) && row.attempts > 0 ? row.next_at : null,
      history: parseJson(row.history),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      endedAt: row.ended_at,
    };
  }

  async function load(id: string): Promise<Row | undefined> {
    const row = (await q().selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst()) as
      Row | undefined;
    return row && normalize(row);
  }

  /** Takes the lease on a live instance: free, expired, or already ours. */
  async function claim(id: string): Promise<Row | undefined> {
    const now = deps.clock.now();
    const r = await q()
      .updateTable(table)
      .set({ lease_owner: owner, lease_until: now + leaseMs })
      .where('id', '=', id)
      .where('state', 'in', LIVE)
      .where((eb) =>
        eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', owner), eb('lease_until', '<', now)]),
      )
      .executeTakeFirst();
    return affectedRows(r) === 1 ? load(id) : undefined;
  }

  /**
   * Writes the instance's progress while it holds the lease (renewed, or released when it ends or
   * `change` gives it up); false when another process took it.
   */
  async function save(row: Row, change: Partial<Row>, outcome?: Omit<StepOutcome, 'at'>): Promise<boolean> {
    const now = deps.clock.now();
    const history = outcome ? [...parseJson<StepOutcome[]>(row.history), { ...outcome, at: now }] : undefined;
    const ended = change.state !== undefined && !LIVE.includes(change.state);
    const values: Partial<Row> = {
      ...(history ? { history: JSON.stringify(history.slice(-HISTORY_LIMIT)) } : {}),
      updated_at: now,
      lease_until: ended ? 0 : now + leaseMs,
      ...(ended ? { lease_owner: null, ended_at: now } : {}),
      ...change,
    };
    const r = await q()
      .updateTable(table)
      .set(values)
      .where('id', '=', row.id)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    if (affectedRows(r) !== 1) return false;
    Object.assign(row, values);
    return true;
  }

  function definitionOf(row: Row): WorkflowDefinition {
    const def = definitions.get(row.name);
    if (!def)
      throw new PlatformMisuseError(`workflow ${row.name} is not registered in service ${db.service}`);
    return def;
  }

  /** Runs the instance's steps (or compensations) until it ends, waits for a retry, or loses its lease. */
  async function advance(row: Row): Promise<void> {
    const def = definitionOf(row);
    const input: unknown = parseJson(row.input);
    for (;;) {
      if (closed) return;
      const results = parseJson<Record<string, unknown>>(row.results);
      if (row.state === 'running') {
        const step = def.steps[row.step];
        if (!step) {
          if (!(await save(row, { state: 'completed' }))) return;
          deps.log.info({ workflow: row.name, id: row.id }, 'workflow completed');
          return;
        }
        const attempt = row.attempts + 1;
        const ctx = {
          instanceId: row.id,
          key: `${row.name}:${row.id}:${step.name}`,
          input,
          results,
          attempt,
        };
        let result: unknown;
        try {
          result = await inInternalSpan(
            `workflow ${row.name} ${step.name}`,
            stepAttributes(row, step.name, attempt),
            () => step.action(ctx),
          );
        } catch (e) {
          if (!(await onStepError(row, def, step, attempt, e))) return;
          continue;
        }
        // The last step's save also ends the instance: one write fewer per workflow.
        const last = row.step + 1 >= def.steps.length;
        const saved = await save(
          row,
          {
            step: row.step + 1,
            attempts: 0,
            results: JSON.stringify({ ...results, [step.name]: result ?? null }),
            ...(last ? { state: 'completed' as const } : {}),
          },
          { step: step.name, outcome: 'done', attempt },
        );
        if (!saved) return;
        if (last) {
          deps.log.info({ workflow: row.name, id: row.id }, 'workflow completed');
          return;
        }
      } else if (row.state === 'compensating') {
        const step = def.steps[row.step];
        if (!step) {
          if (!(await save(row, { state: 'compensated', step: -1 }))) return;
          deps.log.info({ workflow: row.name, id: row.id }, 'workflow compensated');
          return;
        }
        const attempt = row.attempts + 1;
        if (step.compensate) {
          try {
            const compensate = step.compensate.bind(step);
            await inInternalSpan(
              `workflow ${row.name} ${step.name} compensate`,
              stepAttributes(row, step.name, attempt),
              () =>
                compensate({
                  instanceId: row.id,
                  key: `${row.name}:${row.id}:${step.name}`,
                  input,
                  results,
                  attempt,
                  result: results[step.name],
                }),
            );
          } catch (e) {
            const failed = attempt >= def.retry.compensationAttempts;
            const error = errorText(e);
            deps.log[failed ? 'error' : 'warn'](
              { err: e, workflow: row.name, id: row.id, step: step.name, attempt },
              failed ? 'workflow compensation failed for good' : 'workflow compensation failed',
            );
            if (failed) {
              await save(
                row,
                { state: 'failed', attempts: attempt },
                { step: step.name, outcome: 'compensation_failed', attempt, error },
              );
              return;
            }
            await pause(row, def, attempt, {
              step: step.name,
              outcome: 'compensation_retry',
              attempt,
              error,
            });
            return;
          }
        }
        const first = row.step === 0;
        const saved = await save(
          row,
          { step: row.step - 1, attempts: 0, ...(first ? { state: 'compensated' as const } : {}) },
          step.compensate ? { step: step.name, outcome: 'compensated', attempt } : undefined,
        );
        if (!saved) return;
        if (first) {
          deps.log.info({ workflow: row.name, id: row.id }, 'workflow compensated');
          return;
        }
      } else {
        return;
      }
    }
  }

  /**
   * A refusal compensates the steps before this one (this one changed nothing). A failure for the
   * moment is retried; after the last attempt this step is compensated too, since a timeout may
   * have applied it. Returns whether to go on driving now.
   */
  async function onStepError(
    row: Row,
    def: WorkflowDefinition,
    step: WorkflowStep,
    attempt: number,
    e: unknown,
  ): Promise<boolean> {
    const error = toStepError(step.name, e);
    const permanent = step.permanent(e);
    if (!permanent && attempt < def.retry.attempts) {
      deps.log.warn(
        { err: e, workflow: row.name, id: row.id, step: step.name, attempt },
        'workflow step failed, will retry',
      );
      await pause(row, def, attempt, { step: step.name, outcome: 'retry', attempt, error: error.message });
      return false;
    }
    deps.log.warn(
      { err: e, workflow: row.name, id: row.id, step: step.name, attempt, permanent },
      'workflow step failed for good, compensating',
    );
    return save(
      row,
      {
        state: 'compensating',
        step: permanent ? row.step - 1 : row.step,
        attempts: 0,
        error: JSON.stringify(error),
      },
      { step: step.name, outcome: permanent ? 'refused' : 'gave_up', attempt, error: error.message },
    );
  }

  /** Stores the attempt, gives the lease up, and tries again after the backoff (or a sweep does). */
  async function pause(row: Row, def: WorkflowDefinition, attempt: number, outcome: Omit<StepOutcome, 'at'>) {
    const delay = backoffMs(attempt, Math.random, def.retry);
    // One write stores the attempt and gives the lease up, so a sweep elsewhere may take it when due.
    const saved = await save(
      row,
      { attempts: attempt, next_at: deps.clock.now() + delay, lease_owner: null, lease_until: 0 },
      outcome,
    );
    if (!saved || closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void kick(row.id);
    }, delay);
    timer.unref();
    timers.add(timer);
  }

  /**
   * Drives an instance in the background (once at a time per process); callers may wait on it.
   * `leased` is an instance this process has just written with its lease: no claim needed.
   */
  function kick(id: string, leased?: Row): Promise<void> {
    const running = inFlight.get(id);
    if (running) return running;
    const run = (async () => {
      try {
        const row = leased ?? (await claim(id));
        if (row) await advance(row);
      } catch (e) {
        deps.log.error({ err: e, workflow: id }, 'workflow driver failed');
      } finally {
        inFlight.delete(id);
        for (const wake of waiters.get(id) ?? []) wake();
      }
    })();
    inFlight.set(id, run);
    return run;
  }

  function waitForChange(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = waiters.get(id) ?? new Set();
      waiters.set(id, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  async function waitFor(id: string, waitMs: number): Promise<WorkflowInstance> {
    const until = performance.now() + waitMs;
    for (;;) {
      const running = inFlight.get(id);
      const left = until - performance.now();
      if (running && left > 0) await Promise.race([running, waitForChange(id, left)]);
      const row = await load(id);
      if (!row) throw WorkflowErrors.WORKFLOW_NOT_FOUND();
      const remaining = until - performance.now();
      if (!LIVE.includes(row.state) || remaining <= 0) return toInstance(row);
      if (!inFlight.has(id)) await waitForChange(id, remaining);
    }
  }

  return {
    service: db.service,

    /** Makes a definition runnable here (at service creation, before any start or sweep). */
    register(def: WorkflowDefinition): void {
      if (definitions.has(def.name)) throw new PlatformMisuseError(`workflow ${def.name} registered twice`);
      if (!def.name.startsWith(`${db.service}.`))
        throw new PlatformMisuseError(`workflow ${def.name} does not belong to service ${db.service}`);
      definitions.set(def.name, def);
    },

    /**
     * Starts an instance — or, when one with the same business key exists, returns that one —
     * and waits up to `waitMs` for it to end; then answers its state (a caller may answer 202
     * with it and let the workflow finish in the background).
     */
    async start<I, R>(
      def: WorkflowDefinition<I, R>,
      input: I,
      opts: { key: string; waitMs?: number },
    ): Promise<WorkflowInstance<R>> {
      assertNoTransaction(`workflow ${def.name}`);
      if (definitions.get(def.name) !== def)
        throw new PlatformMisuseError(`workflow ${def.name} is not registered`);
      // A truncated key could make two business keys one instance: refuse it instead.
      if (opts.key.length > MAX_KEY_LENGTH)
        throw new PlatformMisuseError(
          `workflow key longer than ${MAX_KEY_LENGTH}: ${opts.key.slice(0, 40)}…`,
        );
      const now = deps.clock.now();
      const id = deps.ids();
      // Written with this process's lease, so it is driven at once without a claim; if the process
      // dies, the lease expires and the sweep of another process takes it over.
      const row: Row = {
        id,
        name: def.name,
        business_key: opts.key,
        state: 'running',
        input: JSON.stringify(input),
        results: '{}',
        step: 0,
        attempts: 0,
        error: null,
        history: '[]',
        next_at: now,
        lease_owner: owner,
        lease_until: now + leaseMs,
        created_at: now,
        updated_at: now,
        ended_at: null,
      };
      const fresh = await insertIgnore(q(), db.dialect, table, row, ['name', 'business_key']);
      const instanceId = fresh
        ? id
        : String(
            (
              (await q()
                .selectFrom(table)
                .select('id')
                .where('name', '=', def.name)
                .where('business_key', '=', opts.key)
                .executeTakeFirstOrThrow()) as { id: string }
            ).id,
          );
      void kick(instanceId, fresh ? row : undefined);
      return this.wait<R>(instanceId, opts.waitMs ?? 10_000);
    },

    /** Waits up to `waitMs` for an instance to end; answers its state then. */
    wait<R>(id: string, waitMs: number): Promise<WorkflowInstance<R>> {
      return waitFor(id, waitMs) as Promise<WorkflowInstance<R>>;
    },

    async get(id: string): Promise<WorkflowInstance | undefined> {
      const row = await load(id);
      return row && toInstance(row);
    },

    /** The instance of `def` started with business key `key`, if any. */
    async findByKey(def: WorkflowDefinition, key: string): Promise<WorkflowInstance | undefined> {
      const row = (await q()
        .selectFrom(table)
        .selectAll()
        .where('name', '=', def.name)
        .where('business_key', '=', key)
        .executeTakeFirst()) as Row | undefined;
      return row && toInstance(normalize(row));
    },

    /** Instances, oldest first, optionally in one state (admins list `failed` and `compensated`). */
    list(query: PageRequest & { state?: WorkflowState | undefined }): Promise<Page<WorkflowInstance>> {
      return readPage(
        deps.cursors,
        `workflows:${db.service}:${query.state ?? ''}`,
        query,
        (afterId, limit) => rowsAfterId<Row>(q(), table, { state: query.state, afterId, limit }),
        (rows) => rows.map((r) => toInstance(normalize(r))),
      );
    },

    /**
     * An admin's retry: a failed instance compensates again from where it stopped; a live one
     * waiting for its next attempt is tried now with a fresh count of attempts.
     */
    async retry(id: string): Promise<WorkflowInstance> {
      const row = await load(id);
      if (!row) throw WorkflowErrors.WORKFLOW_NOT_FOUND();
      if (row.state === 'completed' || row.state === 'compensated')
        throw WorkflowErrors.WORKFLOW_NOT_RETRYABLE({ state: row.state });
      const now = deps.clock.now();
      await q()
        .updateTable(table)
        .set({
          state: row.state === 'failed' ? 'compensating' : row.state,
          attempts: 0,
          next_at: now,
          updated_at: now,
          ended_at: null,
        })
        .where('id', '=', id)
        .where('state', '=', row.state)
        .execute();
      await kick(id);
      return toInstance((await load(id))!);
    },

    /** Resumes live instances that are due and that no live process drives; returns how many. */
    async sweep(): Promise<number> {
      const now = deps.clock.now();
      const due = (await q()
        .selectFrom(table)
        .select('id')
        .where('state', 'in', LIVE)
        .where('next_at', '<=', now)
        .where('lease_until', '<', now)
        .orderBy('next_at')
        .limit(SWEEP_BATCH)
        .execute()) as { id: string }[];
      await Promise.all(due.map((d) => kick(d.id)));
      return due.length;
    },

    /**
     * For the metrics (metrics.ts): live instances whose progress was last stored more than
     * `stalledAfterMs` ago (stuck), and instances whose compensation failed for good (failed).
     * Both read the (state, next_at) index's state prefix: live and failed rows are few.
     */
    async health(stalledAfterMs: number): Promise<{ stuck: number; failed: number }> {
      const count = async (states: WorkflowState[], before?: number) =>
        Number(
          (
            (await q()
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .where('state', 'in', states)
              .$if(before !== undefined, (qb) => qb.where('updated_at', '<', before!))
              .executeTakeFirstOrThrow()) as { n: number | string }
          ).n,
        );
      return {
        stuck: await count(LIVE, deps.clock.now() - stalledAfterMs),
        failed: await count(['failed']),
      };
    },

    /** The sweep as a schedule; included only when the service registered a workflow. */
    schedule(): ScheduleSpec | undefined {
      if (definitions.size === 0) return undefined;
      return {
        name: `${db.service}.sweep-workflows`,
        every: '5s',
        run: async () => void (await this.sweep()),
      };
    },

    /** Stops retries and waits for the steps in flight to return. */
    async close(): Promise<void> {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}

export type WorkflowRunner = ReturnType<typeof createWorkflowRunner>;

function normalize(row: Row): Row {
  return {
    ...row,
    step: Number(row.step),
    attempts: Number(row.attempts),
    next_at: Number(row.next_at),
    lease_until: Number(row.lease_until),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    ended_at: row.ended_at === null ? null : Number(row.ended_at),
  };
}

function toStepError(step: string, e: unknown): StepError {
  return isAppError(e)
    ? { step, code: e.code, status: e.status, message: e.messages.en }
    : { step, code: 'STEP_FAILED', status: null, message: errorText(e) };
}

function errorText(e: unknown): string {
  return String(e instanceof Error ? e.message : e).slice(0, 1000);
}

function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** What a workflow step's span says of it (tracing.ts). */
function stepAttributes(row: Row, step: string, attempt: number): Record<string, string | number> {
  return {
    'linggong.workflow.name': row.name,
    'linggong.workflow.instance_id': row.id,
    'linggong.workflow.step': step,
    'linggong.workflow.attempt': attempt,
  };
}
