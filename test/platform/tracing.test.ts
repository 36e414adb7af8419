import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentContext } from '../../src/platform/context.js';
import { consumerOf } from '../../src/platform/events/types.js';
import { createServiceHttpClient } from '../../src/platform/http-client.js';
import { clientOf, type ServiceModule } from '../../src/platform/service.js';
import { workflow } from '../../src/platform/workflow/workflow.js';
import { flushTracing, startTracing, stopTracing } from '../../src/platform/tracing.js';
import { BUS, settle } from '../support/events.js';
import { startOtlpReceiver, type CollectedSpan } from '../support/otlp.js';
import type { TestPlatform } from '../support/platform.js';
import { startServe } from '../support/serve.js';

/**
 * Tracing end to end. In this process: tracing started through the same entry as `linggong serve`
 * (an in-memory exporter instead of OTLP), two platforms on real ports — "relay" calls "echo"
 * through its remote client in a workflow step and publishes an event its own consumer handles. Then a real
 * `linggong serve` exporting to an OTLP receiver, and a process with tracing off.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

interface EchoClient {
  hear(text: string): Promise<{ heard: string }>;
}
const echoClient = clientOf<EchoClient>('echo');
/** The traceparent headers the echo service received, as Node joined them. */
const echoHeard: string[] = [];

const echoModule: ServiceModule<unknown, EchoClient> = {
  name: 'echo',
  migrations: {},
  client: echoClient,
  create: () => ({
    async routes(app) {
      app.post(
        '/internal/echo/hear',
        {
          schema: {
            body: Type.Object({ text: Type.String() }, { additionalProperties: false }),
            response: { 200: Type.Object({ heard: Type.String() }) },
          },
          config: { internal: true },
        },
        async (req) => {
          echoHeard.push(String(req.headers.traceparent));
          return { heard: req.body.text };
        },
      );
    },
  }),
  remote: ({ baseUrl, config, clock, log }) => {
    const http = createServiceHttpClient({ baseUrl, serviceToken: config.serviceToken, clock, log });
    return {
      client: {
        hear: async (text) =>
          (await http.request<{ heard: string }>('POST', '/internal/echo/hear', { text })).body,
      },
    };
  },
};

interface RelayEventMap {
  'ping.sent': { text: string };
}
const relayNote = consumerOf<RelayEventMap>()('relay.note', ['ping.sent']);
/** What the consumer saw of each event: the stored traceparent and its own context's ids. */
const noted: { eventId: string; traceparent: string | null; traceId?: string; spanId?: string }[] = [];

const relayModule: ServiceModule = {
  name: 'relay',
  migrations: {},
  uses: [echoClient],
  consumers: [relayNote],
  create: (ctx) => {
    // One step, calling echo: a workflow step's span sits between the request and its call.
    const forward = workflow<{ text: string }>('relay.forward')
      .step('hear', { action: ({ input }) => ctx.clients.get(echoClient).hear(input.text) })
      .build();
    ctx.workflows.register(forward);
    return {
      async routes(app) {
        app.post(
          '/api/v1/relay/pings',
          {
            schema: {
              body: Type.Object({ text: Type.String() }, { additionalProperties: false }),
              response: { 200: Type.Object({ heard: Type.String() }) },
            },
          },
          async (req) => {
            const forwarded = await ctx.workflows.start(
              forward,
              { text: req.body.text },
              { key: ctx.ids(), waitMs: 5000 },
            );
            const heard = forwarded.results.hear!.heard;
            await ctx.db.transaction((tx) =>
              tx.publish({ type: 'ping.sent', version: 1, payload: { text: heard } }),
            );
            return { heard };
          },
        );
      },
      handlers: [
        relayNote.handle(async (event) => {
          const c = currentContext();
          noted.push({
            eventId: event.id,
            traceparent: event.traceparent,
            traceId: c?.traceId,
            spanId: c?.spanId,
          });
          ctx.log.info({ eventId: event.id }, 'ping noted');
        }),
      ],
    };
  },
};

describe('tracing in one process', () => {
  const exporter = new InMemorySpanExporter();
  let echo: TestPlatform;
  let relay: TestPlatform;
  let relayUrl: string;

  beforeAll(async () => {
    expect(await startTracing({ env: { LINGGONG_ENV: 'test' }, services: ['relay', 'echo'], exporter })).toBe(
      true,
    );
    // Fastify (and node:http with it) loads only now, after the SDK started, as bin/linggong.mjs does it.
    const { startTestPlatform } = await import('../support/platform.js');
    echo = await startTestPlatform({ modules: [echoModule] });
    await echo.app.listen({ host: '127.0.0.1', port: 0 });
    const echoUrl = `http://127.0.0.1:${(echo.app.server.address() as AddressInfo).port}`;
    relay = await startTestPlatform({
      modules: [relayModule],
      remoteModules: [echoModule],
      env: { LINGGONG_ECHO_URL: echoUrl },
    });
    relayUrl = await relay.app.listen({ host: '127.0.0.1', port: 0 });
    if (BUS === 'bullmq') relay.startBackground();
  });

  afterAll(async () => {
    await relay?.stop();
    await echo?.stop();
    await stopTracing();
  });

  const ids = (s: ReadableSpan) => s.spanContext();
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

  it('follows a request through a service call and its event to the consumer, in one trace', async () => {
    const res = await fetch(`${relayUrl}/api/v1/relay/pings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(res.status).toBe(200);
    const answered = res.headers.get('traceparent')!;
    expect(answered).toMatch(TRACEPARENT);
    // The consumer's span ends after its handler returns, a moment after `noted` grows.
    const consumerSpan = (s: ReadableSpan) => s.kind === SpanKind.CONSUMER && s.name === 'relay.note process';
    await settle(relay, async () => {
      if (noted.length === 0) return false;
      await flushTracing();
      return exporter.getFinishedSpans().some(consumerSpan);
    });
    const spans = exporter.getFinishedSpans();

    // The relay's server span, named by route; its ids are the ones the answer carried.
    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /api/v1/relay/pings')!;
    expect(server).toBeDefined();
    expect(server.attributes['http.route']).toBe('/api/v1/relay/pings');
    expect(server.resource.attributes['service.name']).toBe('linggong-relay+echo');
    expect(server.resource.attributes['deployment.environment.name']).toBe('test');
    const trace = ids(server).traceId;
    expect(answered).toBe(`00-${trace}-${ids(server).spanId}-01`);

    // The workflow step under the server span; the call to echo: a client span under the step,
    // and echo's server span under it, which received exactly one traceparent: the client span's.
    const step = spans.find((s) => s.kind === SpanKind.INTERNAL && s.name === 'workflow relay.forward hear')!;
    expect(step).toBeDefined();
    expect(ids(step).traceId).toBe(trace);
    expect(parentOf(step)).toBe(ids(server).spanId);
    expect(step.attributes).toMatchObject({
      'linggong.workflow.step': 'hear',
      'linggong.workflow.attempt': 1,
    });
    const client = spans.find(
      (s) => s.kind === SpanKind.CLIENT && String(s.attributes['url.full']).endsWith('/internal/echo/hear'),
    )!;
    expect(client).toBeDefined();
    expect(ids(client).traceId).toBe(trace);
    expect(parentOf(client)).toBe(ids(step).spanId);
    const callee = spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /internal/echo/hear')!;
    expect(callee).toBeDefined();
    expect(ids(callee).traceId).toBe(trace);
    expect(parentOf(callee)).toBe(ids(client).spanId);
    expect(echoHeard).toEqual([`00-${trace}-${ids(client).spanId}-01`]);

    // The queue hop: the outbox stored the server span as the event's traceparent, and the
    // consumer's span is its child; the handler's context (and so its logs) is the consumer span.
    const [event] = noted;
    expect(event!.traceparent).toBe(`00-${trace}-${ids(server).spanId}-01`);
    const consumer = spans.find(consumerSpan)!;
    expect(consumer).toBeDefined();
    expect(ids(consumer).traceId).toBe(trace);
    expect(parentOf(consumer)).toBe(ids(server).spanId);
    expect(consumer.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'relay.note',
      'messaging.destination.name': 'ping.sent',
      'messaging.message.id': event!.eventId,
    });
    expect(event).toMatchObject({ traceId: trace, spanId: ids(consumer).spanId });
    const logged = relay.logLines().find((l) => l.msg === 'ping noted');
    expect(logged).toMatchObject({ trace_id: trace, span_id: ids(consumer).spanId });
  });
});

describe('tracing of a linggong serve process', () => {
  it('exports its spans over OTLP/HTTP (JSON) with its service name, the last ones on SIGTERM', async () => {
    const receiver = await startOtlpReceiver();
    const dataDir = mkdtempSync(join(tmpdir(), 'linggong-tracing-'));
    try {
      const served = await startServe({
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LINGGONG_ENV: 'test',
        LINGGONG_PORT: '0',
        LINGGONG_DATA_DIR: dataDir,
        LINGGONG_SEED_DEMO: 'false',
        LINGGONG_LOG_LEVEL: 'warn',
        LINGGONG_TRACING_OTLP_URL: receiver.url,
      });
      const exited = new Promise<number | null>((resolve) => served.child.once('exit', resolve));
      const serverSpanOf = async (answer: Response): Promise<CollectedSpan | undefined> => {
        const [, traceId, spanId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(
          answer.headers.get('traceparent')!,
        )!;
        return receiver.spans().find((s) => s.traceId === traceId && s.spanId === spanId);
      };

      const first = await fetch(`${served.url}/api/v1/categories`);
      expect(first.status).toBe(200);
      let span: CollectedSpan | undefined;
      for (const deadline = Date.now() + 15_000; !span && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 100));
        span = await serverSpanOf(first);
      }
      expect(span).toMatchObject({
        kind: 'SERVER',
        name: 'GET /api/v1/categories',
        serviceName: 'linggong-all',
      });
      expect(span!.attributes['http.route']).toBe('/api/v1/categories');

      // A request just before SIGTERM: its span goes out while the process stops.
      const last = await fetch(`${served.url}/api/v1/categories`);
      served.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await serverSpanOf(last)).toMatchObject({ kind: 'SERVER', serviceName: 'linggong-all' });
    } finally {
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('tracing off', () => {
  it('installs nothing: no SDK loaded, no global tracer provider, node:http unpatched', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'linggong-untraced-'));
    // A fresh process does what `linggong serve` does with LINGGONG_TRACING_OTLP_URL unset, serves
    // a request, and reports what OpenTelemetry left behind.
    const script = `
      import http from 'node:http';
      import { createRequire } from 'node:module';
      const { startTracing } = await import('./src/platform/tracing.ts');
      const started = await startTracing({ env: process.env });
      const { loadConfig } = await import('./src/platform/config.ts');
      const { buildPlatform } = await import('./src/app.ts');
      const { ALL_SERVICES } = await import('./src/services/registry.ts');
      const platform = await buildPlatform({ config: loadConfig({ services: ALL_SERVICES }) });
      await platform.migrate('up');
      const url = await platform.app.listen({ host: '127.0.0.1', port: 0 });
      const answer = await fetch(url + '/api/v1/categories');
      await platform.close();
      const api = globalThis[Symbol.for('opentelemetry.js.api.1')];
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('@opentelemetry/sdk-'));
      console.log(JSON.stringify({
        started,
        status: answer.status,
        traceparent: answer.headers.get('traceparent'),
        registered: Object.keys(api ?? {}).filter((k) => k !== 'version'),
        httpPatched: '__wrapped' in http.Server.prototype.emit,
        loaded,
      }));
      process.exit(0);
    `;
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          LINGGONG_ENV: 'test',
          LINGGONG_DATA_DIR: dataDir,
          LINGGONG_SEED_DEMO: 'false',
          LINGGONG_LOG_LEVEL: 'warn',
        },
      });
      expect(run.status, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
      expect(report).toEqual({
        started: false,
        status: 200,
        traceparent: expect.stringMatching(TRACEPARENT),
        registered: [],
        httpPatched: false,
        loaded: [],
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
