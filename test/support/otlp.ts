import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A span as an OTLP receiver got it, with the service.name of the process that sent it. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  /** undefined for a trace's root span. */
  parentSpanId: string | undefined;
  name: string;
  kind: 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER' | 'UNSPECIFIED';
  /** The resource attribute service.name. */
  serviceName: string;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string; attributes: Record<string, unknown> }[];
}

export interface OtlpReceiver {
  /** The traces endpoint, for LINGGONG_TRACING_OTLP_URL. */
  url: string;
  /** Every span received so far, in the order received. */
  spans(): CollectedSpan[];
  close(): Promise<void>;
}

/**
 * An OTLP/HTTP traces receiver for tests: POST /v1/traces with the JSON encoding (what Linggong's
 * exporter sends; gzip accepted), answered as a collector does. Protobuf bodies are refused with
 * 415, so a sender in the wrong encoding fails visibly instead of being counted as silent.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const collected: CollectedSpan[] = [];
  const server = createServer((req, res) => void receive(req, res, collected));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans: () => [...collected],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

async function receive(req: IncomingMessage, res: ServerResponse, into: CollectedSpan[]): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (req.method !== 'POST' || req.url?.split('?', 1)[0] !== '/v1/traces') {
    res.writeHead(404).end();
    return;
  }
  if (!req.headers['content-type']?.startsWith('application/json')) {
    res.writeHead(415, { 'content-type': 'text/plain' }).end('only the JSON encoding is received here');
    return;
  }
  let body = Buffer.concat(chunks);
  if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
  try {
    into.push(...spansOf(JSON.parse(body.toString('utf8')) as ExportRequest));
  } catch (e) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end(String(e));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
}

/** The JSON encoding of ExportTraceServiceRequest, as far as the receiver reads it. */
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: KeyValue[];
        links?: { traceId: string; spanId: string; attributes?: KeyValue[] }[];
      }[];
    }[];
  }[];
}

interface KeyValue {
  key: string;
  value?: AnyValue;
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}

const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;

function spansOf(request: ExportRequest): CollectedSpan[] {
  const spans: CollectedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = attributesOf(rs.resource?.attributes);
    const name = resource['service.name'];
    const serviceName = typeof name === 'string' ? name : '';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const parent = s.parentSpanId ? id(s.parentSpanId) : '';
        spans.push({
          traceId: id(s.traceId),
          spanId: id(s.spanId),
          parentSpanId: parent && !/^0+$/.test(parent) ? parent : undefined,
          name: s.name,
          kind: KINDS[s.kind ?? 0] ?? 'UNSPECIFIED',
          serviceName,
          attributes: attributesOf(s.attributes),
          links: (s.links ?? []).map((l) => ({
            traceId: id(l.traceId),
            spanId: id(l.spanId),
            attributes: attributesOf(l.attributes),
          })),
        });
      }
    }
  }
  return spans;
}

/** Ids are hex in OTLP's JSON encoding; base64 (protobuf's JSON mapping) is accepted too. */
function id(text: string): string {
  return /^[0-9a-f]+$/i.test(text) && (text.length === 32 || text.length === 16)
    ? text.toLowerCase()
    : Buffer.from(text, 'base64').toString('hex');
}

function attributesOf(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = valueOf(kv.value);
  return out;
}

function valueOf(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  if (v.kvlistValue) return attributesOf(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  return undefined;
}
