// The floor: the DynamoDB requests real orders made (recorded by DynamoDbRecorder), sent again to DynamoDB Local
// with nothing else - no engine, no handlers, no SDK: one keep-alive HTTP client and the recorded JSON bodies. Each
// order's requests go one after another, in their recorded order (each waits for the one before, as in the
// pipeline); `concurrency` orders are in flight at once. Every identifier in a recorded order (UUIDs, and hex ids
// such as the payment's `auth_…`) is replaced by a fresh one per replayed order, consistently within it, so the
// conditional writes find the same state as the recorded ones did: each answer must match the recorded answer
// (status and error code), or the replay fails.
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { errorCodeOf, type RecordedRequest } from './dynamodbRecorder.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** Hex ids of 16 characters or more that are not part of a longer hex run (e.g. `auth_<24 hex>`). */
const HEX_ID = /(?<![0-9a-f])[0-9a-f]{16,}(?![0-9a-f])/g;

/** The order's request bodies with every identifier replaced by a fresh one (the same id, the same replacement). */
export function freshIdentifiers(bodies: readonly string[]): string[] {
  const replacements = new Map<string, string>();
  const fresh = (id: string, make: () => string) => {
    let replacement = replacements.get(id);
    if (!replacement) {
      replacement = make();
      replacements.set(id, replacement);
    }
    return replacement;
  };
  return bodies.map((body) =>
    body
      .replace(UUID, (id) => fresh(id, randomUUID))
      .replace(HEX_ID, (id) => fresh(id, () => randomBytes(Math.ceil(id.length / 2)).toString('hex').slice(0, id.length))),
  );
}

export interface FloorOptions {
  endpoint: string;
  /** The access key the requests are scoped to (DynamoDB Local keeps a database per key and region). */
  accessKeyId: string;
  region: string;
  /** Orders' recorded requests; replayed order i follows recording i modulo their number. */
  recordings: RecordedRequest[][];
  orders: number;
  concurrency: number;
}

export interface FloorResult {
  orders: number;
  requests: number;
  seconds: number;
  ordersPerSecond: number;
  /** Per order, from its first request sent to its last answer, in ms. */
  latenciesMs: number[];
}

interface Answer {
  status: number;
  body: string;
}

export class FloorReplayMismatch extends Error {
  override readonly name = 'FloorReplayMismatch';
}

export async function replayFloor(options: FloorOptions): Promise<FloorResult> {
  if (options.recordings.length === 0 || options.recordings.some((recording) => recording.length === 0)) {
    throw new Error('the floor needs at least one recorded order, each with its requests');
  }
  const target = new URL(options.endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  // DynamoDB Local reads the access key and region off the credential scope; it does not check the signature.
  const authorization = `AWS4-HMAC-SHA256 Credential=${options.accessKeyId}/20250101/${options.region}/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=${'0'.repeat(64)}`;
  const send = (operation: string, body: string): Promise<Answer> =>
    new Promise((resolveAnswer, reject) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: '/',
          method: 'POST',
          agent,
          headers: {
            'Content-Type': 'application/x-amz-json-1.0',
            'X-Amz-Target': `DynamoDB_20120810.${operation}`,
            'X-Amz-Date': '20250101T000000Z',
            Authorization: authorization,
            'Content-Length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  let next = 0;
  let requests = 0;
  const latenciesMs: number[] = [];
  const started = performance.now();
  const client = async () => {
    for (let index = next++; index < options.orders; index = next++) {
      const recording = options.recordings[index % options.recordings.length]!;
      const bodies = freshIdentifiers(recording.map((recorded) => recorded.body));
      const orderStarted = performance.now();
      for (let i = 0; i < recording.length; i++) {
        const recorded = recording[i]!;
        const answer = await send(recorded.operation, bodies[i]!);
        requests += 1;
        const errorCode = answer.status >= 400 ? errorCodeOf(answer.body) : undefined;
        if (answer.status !== recorded.status || errorCode !== recorded.errorCode) {
          throw new FloorReplayMismatch(
            `replayed order ${index}, request ${i + 1} (${recorded.operation}): answered ${answer.status} ${errorCode ?? ''}, recorded ${recorded.status} ${recorded.errorCode ?? ''}: ${answer.body.slice(0, 300)}`,
          );
        }
      }
      latenciesMs.push(performance.now() - orderStarted);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.orders) }, client));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  return { orders: options.orders, requests, seconds, ordersPerSecond: options.orders / seconds, latenciesMs };
}
