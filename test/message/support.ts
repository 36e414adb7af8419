import { expect } from 'vitest';
import WebSocket from 'ws';
import { applyUrl, call, fund, refresh, shiftJob } from '../order/support.js';
import { settle } from '../support/events.js';
import { verifiedUser } from '../support/identity.js';
import type { TestPlatform } from '../support/platform.js';
import { loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

/** A frame the server sent, read loosely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = Record<string, any>;

/**
 * A test WebSocket client: connects to `url` (ws://…/ws), optionally with the token in the header,
 * and keeps every frame it receives so a test can wait for the one it expects.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse((data as Buffer).toString('utf8')) as Frame);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
  }

  /** Opens a socket (authenticated by header when `token` is given; `ca` to trust for wss://). */
  static async connect(url: string, token?: string, ca?: Buffer): Promise<TestSocket> {
    const ws = new WebSocket(url, {
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
      ...(ca ? { ca } : {}),
    });
    const socket = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return socket;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** The first frame (from `from` on) that `match` accepts; rejects after `timeoutMs`. */
  async next(match: (f: Frame) => boolean, timeoutMs = 5_000, from = 0): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(match);
      if (found) return found;
      if (this.closed) throw new Error(`socket closed ${this.closed.code} ${this.closed.reason}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame in ${timeoutMs} ms: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves with the close code and reason once the server closes the socket. */
  async closedWith(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('the socket was not closed');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }
}

/** An employer's job and a verified worker who applied to it, once the conversation is open. */
export async function appliedPair(p: TestPlatform, admin: LoggedIn) {
  await refresh(p, admin);
  const employer = await loginWithSms(p, newPhone(), 'employer');
  await fund(p, employer, 100_000);
  const worker = await verifiedUser(p, admin, '孙小梅');
  const { job, shiftId } = await shiftJob(p, employer);
  const app = await call(p, worker, 'POST', applyUrl(job.id, shiftId), {});
  expect(app.status).toBe(201);
  let conversationId = '';
  await settle(p, async () => {
    const list = await call(p, worker, 'GET', '/api/v1/conversations');
    conversationId = list.body.items?.[0]?.id ?? '';
    return conversationId !== '';
  });
  return {
    employer,
    worker,
    jobId: job.id,
    shiftId,
    applicationId: app.body.application.id as string,
    conversationId,
  };
}
