import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureArgs } from '../support/serve.js';
import { FakeClock, systemClock } from '../../src/platform/clock.js';
import { loadConfig } from '../../src/platform/config.js';
import { openConnection } from '../../src/platform/db/connect.js';
import { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { createIdGenerator } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/log.js';
import { toSafeInt } from '../../src/platform/money.js';
import { createSandboxChannel } from '../../src/services/payment/channels/index.js';
import { paymentMigrations } from '../../src/services/payment/migrations/index.js';
import type { PaymentDB } from '../../src/services/payment/payment.db.js';
import { ALL_SERVICES } from '../../src/services/registry.js';
import { createTestDatabase, createTestRedis } from '../support/databases.js';
import { DIALECT } from '../support/env.js';
import { newPhone } from '../support/users.js';
import { prng } from '../support/prng.js';
import { expectLedgerAsModelled } from './support.js';

/**
 * A process serving the platform is SIGKILLed three times in the middle of a stream of money requests
 * (top-ups through the public API with the employers' tokens and the sandbox's signed
 * notifications; escrow holds, releases, refunds and settlements through the internal routes with
 * the service token), each time with requests in flight, and started again on the same database.
 * Every request whose answer did not come back is sent again, with the same Idempotency-Key or
 * order id. At the end every ledger account equals an independent model, each business key is in
 * the ledger once, each kind of transfer applied as often as the model says, and `checkLedger` is
 * clean. LINGGONG_TEST_SEED replays a seed (the kill points depend on timing).
 */
const ROOT = join(import.meta.dirname, '..', '..');
const SEED = Number(process.env.LINGGONG_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
const EMPLOYERS = 10;
const OPERATIONS_PER_EMPLOYER = 40;
/** Killed when these shares of the operations have been answered (the other lanes' requests in flight). */
const KILL_AT = [0.25, 0.5, 0.75];
/** Each restarted process's clock is this much later: past the dead one's idempotency claims (60 s). */
const RESTART_LEAP_MS = 120_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** 5 % of the pay, half up to the fen: the default fee, paid by the employer on top of the wage. */
const feeOf = (payFen: number): number => Math.floor((payFen * 5 + 50) / 100);

interface Served {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts the payment fixture process and resolves once it serves. */
function startProcess(env: Record<string, string>): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, fixtureArgs('test/fixtures/payment-process.ts'), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the payment process did not start:\n${out}`));
    }, 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!/LISTENING/.test(out))
        reject(new Error(`the payment process exited (${code ?? signal}):\n${out}`));
    });
  });
}

const killed = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe(`the payment service SIGKILLed mid-run and restarted (${DIALECT}, seed ${SEED})`, () => {
  it(
    'applies every operation once across the crashes: balances equal the model, keys once, checkLedger clean',
    { timeout: 240_000 },
    async () => {
      console.log(`payment crash test: seed ${SEED} on ${DIALECT}`);
      const database = await createTestDatabase();
      const userDatabase = await createTestDatabase();
      const redis = await createTestRedis();
      const dataDir = mkdtempSync(join(tmpdir(), 'linggong-data-'));
      cleanups.push(async () => {
        await database.drop();
        await userDatabase.drop();
        await redis?.cleanup();
        rmSync(dataDir, { recursive: true, force: true });
      });
      const env: Record<string, string> = {
        LINGGONG_DATABASE_URL: database.url,
        LINGGONG_USER_DATABASE_URL: userDatabase.url,
        LINGGONG_DATA_DIR: dataDir,
        ...(redis ? { LINGGONG_REDIS_URL: redis.url, LINGGONG_REDIS_PREFIX: redis.prefix } : {}),
      };
      // The same development secrets as the process: the service token and the sandbox's key.
      const config = loadConfig({ services: ALL_SERVICES, env: { ...env, LINGGONG_ENV: 'test' } });
      const serviceHeaders = { 'x-service-token': config.serviceToken, 'accept-language': 'en' };

      // ---- The process, and the way to reach whichever one is serving. ----
      let clockMs = Date.now();
      let served = await startProcess({ ...env, CLOCK_MS: String(clockMs) });
      const processes: Served[] = [served];
      cleanups.push(async () => {
        for (const s of processes) await killed(s.child);
      });
      let serving: Promise<Served> = Promise.resolve(served);
      const stats = new Map<string, number>();
      const count = (what: string) => stats.set(what, (stats.get(what) ?? 0) + 1);

      /** The ledger business keys of the requests in flight (each request that moves money). */
      const inFlight = new Map<number, string>();
      let requestSeq = 0;
      const openPaymentDb = () =>
        new ServiceDatabase<PaymentDB>(
          'payment',
          openConnection(database.url),
          { clock: systemClock, ids: createIdGenerator(systemClock), log: createLogger({ level: 'silent' }) },
          paymentMigrations,
        );

      /** Which of the requests cut off by the kill had their transfer committed (read while no process runs). */
      async function committedOf(keys: string[]): Promise<void> {
        if (keys.length === 0) return;
        const sdb = openPaymentDb();
        try {
          const found = await sdb.db
            .selectFrom('payment_ledger_transfers')
            .select('business_key')
            .where('business_key', 'in', keys)
            .execute();
          for (let i = 0; i < found.length; i++) count('cut off after its transfer committed');
          for (let i = found.length; i < keys.length; i++) count('cut off before its transfer committed');
        } finally {
          await sdb.connection.close();
        }
      }

      async function crashAndRestart(): Promise<void> {
        const cut = [...inFlight.values()];
        let restarted!: (s: Served) => void;
        let failed!: (e: unknown) => void;
        serving = new Promise<Served>((resolve, reject) => {
          restarted = resolve;
          failed = reject;
        });
        serving.catch(() => undefined);
        await killed(served.child);
        count('kill');
        clockMs += RESTART_LEAP_MS;
        try {
          await committedOf(cut);
          served = await startProcess({ ...env, CLOCK_MS: String(clockMs) });
          processes.push(served);
          restarted(served);
        } catch (e) {
          failed(e);
        }
      }

      interface Answer {
        status: number;
        body: Record<string, unknown>;
      }
      /**
       * Sends a request until an answer comes back: a request cut off by the kill (no answer, or a
       * 5xx) is sent again, unchanged, to the process serving then.
       */
      async function send(
        method: 'GET' | 'POST',
        path: string,
        fixedHeaders: Record<string, string>,
        fixedBody?: object | string,
        /** Made again for each attempt (a notification signed at the serving process's time). */
        prepare?: () => Promise<{ headers: Record<string, string>; body: string }>,
        /** The business key of the ledger transfer the request makes, if any. */
        businessKey?: string,
      ): Promise<Answer> {
        const request = requestSeq++;
        if (businessKey) inFlight.set(request, businessKey);
        try {
          return await sendUntilAnswered(method, path, fixedHeaders, fixedBody, prepare);
        } finally {
          inFlight.delete(request);
        }
      }
      async function sendUntilAnswered(
        method: 'GET' | 'POST',
        path: string,
        fixedHeaders: Record<string, string>,
        fixedBody?: object | string,
        prepare?: () => Promise<{ headers: Record<string, string>; body: string }>,
      ): Promise<Answer> {
        for (let attempt = 0; ; attempt++) {
          if (attempt > 50) throw new Error(`${method} ${path}: no answer after 50 attempts`);
          const s = await serving;
          const fresh = prepare ? await prepare() : undefined;
          const headers = fresh?.headers ?? fixedHeaders;
          const body = fresh?.body ?? fixedBody;
          let res: Response;
          try {
            res = await fetch(`${s.url}${path}`, {
              method,
              headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
              ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
            });
          } catch {
            count('resent: no answer');
            await new Promise((resolve) => setTimeout(resolve, 10));
            continue;
          }
          const text = await res.text().catch(() => undefined);
          if (text === undefined) {
            count('resent: answer cut off');
            continue;
          }
          if (res.status >= 500) {
            count(`resent: ${res.status}`);
            await new Promise((resolve) => setTimeout(resolve, 10));
            continue;
          }
          if (attempt > 0 && res.headers.get('idempotent-replayed') === 'true') count('resent: replayed');
          return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
        }
      }

      // ---- The employers, signed in through the API (the codes are in the process's log). ----
      interface Employer {
        userId: string;
        auth: Record<string, string>;
      }
      async function signIn(): Promise<Employer> {
        const phone = newPhone();
        const sent = await send('POST', '/api/v1/auth/sms-codes', {}, { phone, purpose: 'login' });
        expect(sent.status).toBe(202);
        const masked = `${phone.slice(0, 3)}****${phone.slice(-4)}`;
        let line: string | undefined;
        for (let wait = 0; !line && wait < 200; wait++) {
          line = served
            .output()
            .split('\n')
            .filter((l) => l.includes(masked) && l.includes('smsCode'))
            .at(-1);
          if (!line) await new Promise((resolve) => setTimeout(resolve, 25));
        }
        if (!line) throw new Error(`no SMS code for ${masked} in the log:\n${served.output().slice(-2_000)}`);
        const code = (JSON.parse(line) as { smsCode: string }).smsCode;
        const res = await send('POST', '/api/v1/auth/login/sms', {}, { phone, code, role: 'employer' });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return {
          userId: res.body.userId as string,
          auth: { authorization: `Bearer ${res.body.accessToken as string}` },
        };
      }
      const employers: Employer[] = [];
      for (let i = 0; i < EMPLOYERS; i++) employers.push(await signIn());
      const workerIds = Array.from({ length: 6 }, createIdGenerator(systemClock));
      const newOrderId = createIdGenerator(systemClock);

      /** A signed "paid" notification of a top-up, made at the serving process's time. */
      function paidNotification(id: string, amountFen: number, paidFen: number) {
        const clock = new FakeClock(clockMs);
        const channel = createSandboxChannel({
          publicUrl: 'http://localhost',
          secret: `payment-sandbox:${config.secret}`,
          clock,
        });
        return channel
          .createPayment({
            paymentId: id,
            amountFen,
            subject: 'test',
            expiresAt: clockMs + 3_600_000,
            notifyUrl: 'http://localhost/api/v1/payments/notify/sandbox',
          })
          .then(() => channel.simulatePaid(id, paidFen));
      }

      // ---- The model. ----
      const balances = new Map<string, number>();
      const kinds = new Map<string, number>();
      const account = (kind: string, owner: string) => `${kind}:${owner}`;
      const get = (kind: string, owner: string) => balances.get(account(kind, owner)) ?? 0;
      function apply(kind: string, legs: [string, string, number][]): void {
        for (const [k, owner, fen] of legs) balances.set(account(k, owner), get(k, owner) + fen);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      const finalOrderIds: string[] = [];

      const total = EMPLOYERS * OPERATIONS_PER_EMPLOYER;
      let answered = 0;
      const kills: Promise<void>[] = [];
      function answeredOne(): void {
        answered++;
        for (const at of KILL_AT) if (answered === Math.round(total * at)) kills.push(crashAndRestart());
      }

      async function lane(index: number): Promise<void> {
        const employer = employers[index]!;
        const employerId = employer.userId;
        const rnd = prng(SEED ^ Math.imul(index + 1, 0x9e3779b1));
        const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
        const takeOne = <T>(items: T[]): T => items.splice(Math.floor(rnd() * items.length), 1)[0]!;
        const open: { orderId: string; wageFen: number; heldFen: number }[] = [];
        const pendingPay: { orderId: string; workerId: string; payFen: number }[] = [];
        const refunded: string[] = [];
        const keyOf = (step: string, orderId: string) =>
          `escrow.${step === 'hold' || step === 'settle' ? step : 'final'}:${orderId}`;
        /** An escrow request; `moves`: the model says it applies a transfer. */
        const escrow = (orderId: string, step: string, body: object, moves = true) =>
          send(
            'POST',
            `/internal/v1/escrow/${orderId}/${step}`,
            serviceHeaders,
            { orderId, ...body },
            undefined,
            moves ? keyOf(step, orderId) : undefined,
          );

        async function topup(): Promise<void> {
          const amountFen = 1_000 + Math.floor(rnd() * 100_000);
          const key = `crash-${SEED}-${index}-${answered}-${Math.floor(rnd() * 1e9)}`;
          const headers = { ...employer.auth, 'idempotency-key': key };
          const created = await send('POST', '/api/v1/payments', headers, { channel: 'sandbox', amountFen });
          expect(created.status, JSON.stringify(created.body)).toBe(201);
          const id = created.body.id as string;
          const other = rnd() < 0.15;
          const paidFen = other ? amountFen + 1 : amountFen;
          // The channel's notification, sometimes delivered twice.
          for (let i = 0; i < (rnd() < 0.3 ? 2 : 1); i++) {
            const res = await send(
              'POST',
              '/api/v1/payments/notify/sandbox',
              {},
              undefined,
              async () => {
                const n = await paidNotification(id, amountFen, paidFen);
                return { headers: n.headers, body: n.body.toString('utf8') };
              },
              other ? undefined : `topup:${id}`,
            );
            expect(res.status, JSON.stringify(res.body)).toBe(204);
          }
          const state = await send('GET', `/api/v1/payments/${id}`, employer.auth);
          expect(state.body.status).toBe(other ? 'held' : 'paid');
          if (other) return void count('topup.held');
          apply('topup', [
            ['channel_clearing', 'sandbox', -amountFen],
            ['wallet', employerId, amountFen],
          ]);
          count('topup');
        }

        async function hold(): Promise<void> {
          const orderId = newOrderId();
          const wageFen = 100 + Math.floor(rnd() * 30_000);
          const heldFen = wageFen + feeOf(wageFen);
          const short = get('wallet', employerId) < heldFen;
          const res = await escrow(orderId, 'hold', { employerId, wageFen }, !short);
          if (short) {
            expect([res.status, res.body.code]).toEqual([409, 'ESCROW_INSUFFICIENT_FUNDS']);
            return void count('hold.refused');
          }
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          expect(res.body).toMatchObject({ status: 'held', heldFen, wageFen });
          apply('escrow.hold', [
            ['wallet', employerId, -heldFen],
            ['escrow', orderId, heldFen],
          ]);
          open.push({ orderId, wageFen, heldFen });
          count('hold');
        }

        async function release(): Promise<void> {
          const order = takeOne(open);
          const workerId = pick(workerIds);
          const payFen = rnd() < 0.5 ? order.wageFen : Math.floor(rnd() * (order.wageFen + 1));
          const pending = rnd() < 0.35;
          const feeFen = feeOf(payFen);
          const refundFen = order.heldFen - payFen - feeFen;
          const res = await escrow(order.orderId, 'release', { workerId, employerId, payFen, pending });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          expect(res.body).toMatchObject({ status: 'released', payFen, feeFen, refundFen, balanceFen: 0 });
          apply('escrow.release', [
            ['escrow', order.orderId, -order.heldFen],
            [pending ? 'pending' : 'wallet', workerId, payFen],
            ['fee_revenue', 'platform', feeFen],
            ['wallet', employerId, refundFen],
          ]);
          if (pending && payFen > 0) pendingPay.push({ orderId: order.orderId, workerId, payFen });
          finalOrderIds.push(order.orderId);
          count('release');
        }

        async function refund(): Promise<void> {
          const order = takeOne(open);
          const res = await escrow(order.orderId, 'refund', { employerId });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          expect(res.body).toMatchObject({ status: 'refunded', refundFen: order.heldFen });
          apply('escrow.refund', [
            ['escrow', order.orderId, -order.heldFen],
            ['wallet', employerId, order.heldFen],
          ]);
          refunded.push(order.orderId);
          finalOrderIds.push(order.orderId);
          count('refund');
        }

        async function settle(): Promise<void> {
          const order = takeOne(pendingPay);
          const res = await escrow(order.orderId, 'settle', { workerId: order.workerId });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          apply('escrow.settle', [
            ['pending', order.workerId, -order.payFen],
            ['wallet', order.workerId, order.payFen],
          ]);
          count('settle');
        }

        async function conflict(): Promise<void> {
          const orderId = pick(refunded);
          const body = { workerId: pick(workerIds), employerId, payFen: 0, pending: false };
          const res = await escrow(orderId, 'release', body, false);
          expect([res.status, res.body.code]).toEqual([409, 'ESCROW_ALREADY_FINAL']);
          count('release.after-refund');
        }

        for (let i = 0; i < OPERATIONS_PER_EMPLOYER; i++) {
          const roll = rnd();
          if (get('wallet', employerId) < 5_000 || roll < 0.2) await topup();
          else if (roll < 0.5) await hold();
          else if (roll < 0.7 && open.length > 0) await release();
          else if (roll < 0.8 && open.length > 0) await refund();
          else if (roll < 0.9 && pendingPay.length > 0) await settle();
          else if (refunded.length > 0) await conflict();
          else await hold();
          answeredOne();
        }
      }

      const started = Date.now();
      await Promise.all(employers.map((_, i) => lane(i)));
      await Promise.all(kills);
      console.log(
        `payment crash test (${DIALECT}, seed ${SEED}): ${total} operations in ${Date.now() - started} ms`,
        Object.fromEntries([...stats].sort()),
      );
      expect(stats.get('kill')).toBe(KILL_AT.length);
      // Requests were in flight at the kills (whether their transfers had committed is timing).
      expect(stats.get('resent: no answer') ?? 0).toBeGreaterThan(0);
      for (const s of processes) await killed(s.child);

      // ---- The database as the processes left it. ----
      const sdb = openPaymentDb();
      cleanups.push(() => sdb.connection.close());
      const rows = await sdb.db
        .selectFrom('payment_ledger_accounts')
        .select(['kind', 'owner', 'balance'])
        .execute();
      const actual = new Map(rows.map((r) => [account(r.kind, r.owner), toSafeInt(r.balance)]));
      const nonZero = (m: Map<string, number>) =>
        Object.fromEntries([...m].filter(([, fen]) => fen !== 0).sort(([a], [b]) => (a < b ? -1 : 1)));
      expect(nonZero(actual), `seed ${SEED}`).toEqual(nonZero(balances));
      for (const r of rows)
        if (r.kind !== 'channel_clearing')
          expect(toSafeInt(r.balance), `${r.kind}:${r.owner}`).toBeGreaterThanOrEqual(0);
      await expectLedgerAsModelled(sdb, kinds, finalOrderIds);
    },
  );
});
