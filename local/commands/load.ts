// npm run load -- [--orders N] [--concurrency C] [--faults SPEC] [--outage SPEC] [--seed FILE] [--retry-ms MS] [--random-seed N]
// A bounded load run: starts its own quiet local stack on a free port of 127.0.0.1, seeds a catalog with scarce
// and plentiful SKUs, sends the orders over HTTP (a mix of tokens, multi-line orders, repeated and conflicting
// Idempotency-Keys), waits for every execution, checks guarantees 1-4 on the tables and the outbox, stops
// everything and ends with the line `N orders, T s, R orders/s, V violations`. Exit 0 only with 0 violations.
// `--outage payments:20s@5s` takes a dependency down for a stretch of the run (lib/faults.ts startOutage): orders
// meanwhile fail into compensation, and compensation steps that cannot finish fail their execution at that step.
// Once every execution has stopped and every outage is over, the stack's reconciler runs until it has nothing left
// to redrive, the redriven executions finish, and only then are the guarantees checked.
// `runLoad` is the same run as a function (tests/integration/load.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FINAL_STATUSES } from '../../domain/order.ts';
import { endOutage, FAULT_ADAPTERS, faultCounters, parseFaults, resetFaults, startOutage, type FaultAdapter } from '../../lib/faults.ts';
import type { ReconcileReport } from '../../services/reconciler.ts';
import { describeViolations, type Violation } from '../consistency/consistency.ts';
import { findJava, JAVA_MISSING_MESSAGE } from '../stack/dynamodbLocal.ts';
import { reportOf, takeSnapshot, type ConsistencyReport } from '../consistency/snapshot.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../stack/stack.ts';
import { loadSeedFile, type SeedEntry } from '../stack/tables.ts';
import { commandFailure, parseStrictFlags, type Fail } from './cli.ts';

export const LOAD_DEFAULTS = { orders: 2000, concurrency: 32, retryMs: 25, randomSeed: 1 } as const;

/**
 * A dependency down for a stretch of the run: from `startMs` after the first request, for `durationMs` - or, with
 * `Infinity` (DURATION `settled`), until every execution of the run has stopped: then every order that reached the
 * dependency during the run met it down, its compensation included, whatever the machine's speed.
 */
export interface OutagePlan {
  adapter: FaultAdapter;
  errorName: string;
  startMs: number;
  durationMs: number;
}

const OUTAGE_EXPECTED = 'expected adapter[:ErrorName]:DURATION@START, DURATION in s or ms or `settled` (until every execution has stopped), e.g. payments:20s@5s, payments:settled@0s or inventory:ProvisionedThroughputExceededException:1500ms@0s';

function milliseconds(text: string): number | undefined {
  const match = /^(\d{1,7}(?:\.\d{1,3})?)(ms|s)$/.exec(text);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (match[2] === 's' ? 1000 : 1));
}

/** `payments:20s@5s,orders:ThrottlingException:2s@1s` (comma-separated); a malformed entry throws naming it. */
export function parseOutages(spec: string | undefined): OutagePlan[] {
  if (!spec || !spec.trim()) return [];
  return spec.split(',').map((raw) => {
    const entry = raw.trim();
    const bad = (why: string) => new Error(`--outage: bad entry "${entry}": ${why} (${OUTAGE_EXPECTED})`);
    const parts = entry.split(':');
    if (parts.length < 2 || parts.length > 3) throw bad('it needs two or three parts');
    const [adapter, ...rest] = parts;
    const when = rest.pop()!;
    const errorName = rest[0] ?? 'TransientError';
    if (!FAULT_ADAPTERS.includes(adapter as FaultAdapter)) throw bad(`adapter must be one of ${FAULT_ADAPTERS.join(', ')}`);
    if (!/^[A-Za-z][A-Za-z0-9_.]*$/.test(errorName)) throw bad('the error name must be an identifier');
    const [duration = '', start = '', ...more] = when.split('@');
    const durationMs = duration === 'settled' ? Infinity : milliseconds(duration);
    const startMs = milliseconds(start);
    if (more.length > 0 || durationMs === undefined || startMs === undefined) throw bad(`"${when}" is not DURATION@START in s or ms`);
    if (durationMs <= 0) throw bad('the duration must be above 0');
    return { adapter: adapter as FaultAdapter, errorName, startMs, durationMs };
  });
}

export interface LoadOptions {
  /** Distinct orders to place (repeats and conflicting requests come on top). */
  orders?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** FAULTS for the stack's handlers (lib/faults.ts syntax); a malformed value throws before anything starts. */
  faults?: string;
  /** Dependencies down for a stretch of the run (parseOutages); a malformed value throws before anything starts. */
  outages?: string | OutagePlan[];
  /** A catalog seed file instead of the generated one (scarce SKUs are those with less stock than demand). */
  seedFile?: string;
  /** The pause before every retry of the workflow, in ms, instead of the definition's 1-8 s. */
  retryMs?: number;
  /** Seed of the pseudo-random mix: the same seed sends the same requests. */
  randomSeed?: number;
  /** Extra options for the stack (tests pass the shared DynamoDB Local and the cached config). */
  stack?: LocalStackOptions;
  /** Progress, every few hundred ms: `final` on the last call of a phase. */
  onProgress?: (line: string, final: boolean) => void;
  /** Informational lines (the stack's address, the catalog, the phases). */
  log?: (line: string) => void;
  /** Aborting stops sending, stops the stack and rejects with an AbortError. */
  signal?: AbortSignal;
  /** How long to wait for the executions once every request is answered. */
  waitTimeoutMs?: number;
  /**
   * The request mix: `mixed` (default) has declines, processing errors, scarce SKUs and repeated or conflicting
   * Idempotency-Keys; `confirmed` only orders that end CONFIRMED (approved cards, plentiful SKUs, no keys), the same
   * work for every order (npm run bench).
   */
  mix?: LoadMix;
  /**
   * Each of the `concurrency` clients waits for its order's execution to stop before it sends its next request, so
   * `concurrency` orders are in flight end to end. Default: a client sends its next request once the last is answered.
   */
  closedLoop?: boolean;
  /**
   * Orders placed (the same mix and concurrency, each waited for) before the clock starts: the functions' cold
   * starts and the JIT's warm-up stay out of the figures. Their guarantees are checked with the rest.
   */
  warmupOrders?: number;
  /** Called as the clock starts (the first measured request) and as it stops (every execution of the run stopped). */
  onMeasuredPhase?: (phase: 'start' | 'end') => void;
  /** Called just before each measured new order's first POST /orders, with its index in the run. */
  onNewOrder?: (index: number) => void;
  /** Called as each measured new order's execution stops, with its index in the run. */
  onOrderStopped?: (index: number) => void;
  /**
   * With `closedLoop`: every `everyOrders` measured orders the clients stop once their orders have finished, and
   * `during` runs with the clock stopped (npm run bench runs its floor's share then, on the same machine in the same
   * minutes), then they go on. Its time is left out of `seconds`. It gets the run's stack, every execution stopped.
   */
  pauses?: { everyOrders: number; during: (stack: LocalStack) => Promise<void> };
}

export type LoadMix = 'mixed' | 'confirmed';

/** Latency percentiles in ms (nearest rank). */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `values` (ms); zeros for none. */
export function latencySummary(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
  return { count: sorted.length, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted.at(-1) ?? 0 };
}

export interface LoadProblem {
  subject: string;
  message: string;
}

export interface LoadResult {
  /** Distinct orders accepted (202), warm-up orders left out. */
  orders: number;
  /** Every accepted order, warm-up orders included. */
  acceptedOrderIds: string[];
  /** Seconds from the first request (after the warm-up) until every execution had finished. */
  seconds: number;
  ordersPerSecond: number;
  /** From each measured order's POST /orders (its first try) until its execution stopped, in ms. */
  latencyMs: LatencySummary;
  /** Warm-up orders accepted before the clock started. */
  warmupOrders: number;
  requests: number;
  /** Requests still answered 503 after 20 tries (not accepted: the client gave up, as a real one would). */
  gaveUp: number;
  /** HTTP answers by status (503s are retried and counted here each time). */
  httpStatuses: Record<string, number>;
  report: ConsistencyReport;
  /** Guarantee violations (1-4) found by the consistency check. */
  violations: Violation[];
  /** What the run itself saw go wrong: a repeated key answered with another order, an unexpected status, an execution left running. */
  problems: LoadProblem[];
  /** Orders by final status and reason. */
  outcomes: Record<string, number>;
  faults: { spec: string | undefined; calls: Record<string, number>; injected: Record<string, number> };
  /** The outages as they happened: seconds from the first request. */
  outages: Array<OutagePlan & { fromSeconds: number; toSeconds: number }>;
  /** What the reconciler did once the run had stopped: its runs, and the totals of their reports. */
  reconciler: { runs: number; redriven: number; pastCap: number; failedOutsideCompensation: number; notRedrivable: number; stuckOrders: number; errors: number };
  catalog: { scarce: string[]; plentiful: string[]; initialStock: Record<string, number> };
  /** The closing line: `N orders, T s, R orders/s, V violations`. */
  summary: string;
}

// --- the request mix -----------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so a run is reproducible. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const APPROVE = ['tok_visa', 'tok_mastercard', 'tok_amex'];
const DECLINE = ['tok_chargeDeclined', 'tok_chargeDeclinedInsufficientFunds'];
const PROCESSING_ERROR = 'tok_chargeDeclinedProcessingError';

interface PlannedRequest {
  kind: 'new' | 'repeat' | 'conflict';
  /** The order this request belongs to (its index in the plan). */
  order: number;
  key?: string;
  body: string;
}

interface Plan {
  /** Sent first: every new order, some followed at once by the same request (a concurrent duplicate). */
  first: PlannedRequest[];
  /** Sent once the first batch is answered: repeats with the same key and body, and same key with another body. */
  later: PlannedRequest[];
}

/** The stock of each SKU of the generated catalog that never runs out. */
export const PLENTIFUL_STOCK = 1_000_000;

/** The generated catalog: SKUs that run out (stock well below demand) and SKUs that never do. */
export function loadCatalog(orders: number): SeedEntry[] {
  const scarceStock = Math.max(5, Math.round(orders * 0.06));
  const scarce = ['Espresso cups (limited)', 'Hand grinder (launch batch)', 'Signed barista book'].map((name, i) => ({
    sku: `LOAD-SCARCE-${i + 1}`,
    name,
    unitPrice: 4990 + 1000 * i,
    currency: 'BRL',
    stock: scarceStock,
  }));
  const plentiful = ['Coffee beans 1kg', 'Paper filters (100)', 'Ceramic mug', 'French press 1L', 'Milk jug', 'Kettle'].map((name, i) => ({
    sku: `LOAD-${i + 1}`,
    name,
    unitPrice: 1290 + 1500 * i,
    currency: 'BRL',
    stock: PLENTIFUL_STOCK,
  }));
  return [...scarce, ...plentiful];
}

function planRequests(count: number, catalog: SeedEntry[], scarce: Set<string>, seed: number, runId: string): Plan {
  const rand = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const currency = catalog[0]!.currency;
  const sameCurrency = catalog.filter((entry) => entry.currency === currency);
  const scarceSkus = sameCurrency.filter((entry) => scarce.has(entry.sku)).map((entry) => entry.sku);
  const plentySkus = sameCurrency.filter((entry) => !scarce.has(entry.sku)).map((entry) => entry.sku);
  const first: PlannedRequest[] = [];
  const later: PlannedRequest[] = [];
  for (let i = 0; i < count; i++) {
    const roll = rand();
    const token = roll < 0.82 ? pick(APPROVE) : roll < 0.96 ? pick(DECLINE) : PROCESSING_ERROR;
    const lineCount = 1 + Math.floor(rand() * rand() * 4); // mostly 1-2 lines, up to 4
    const skus = new Set<string>();
    if (scarceSkus.length > 0 && rand() < 0.35) skus.add(pick(scarceSkus));
    while (skus.size < lineCount) {
      // Plentiful SKUs first; once this order holds them all, any other SKU of the catalog.
      const fresh = plentySkus.filter((sku) => !skus.has(sku));
      const candidates = fresh.length > 0 ? fresh : sameCurrency.map((entry) => entry.sku).filter((sku) => !skus.has(sku));
      if (candidates.length === 0) break;
      skus.add(pick(candidates));
    }
    const order = {
      customer: { id: `cust-${i % 500}`, email: `load.customer${i}@example.com`, name: `Load Customer ${i}` },
      items: [...skus].map((sku) => ({ sku, quantity: 1 + Math.floor(rand() * rand() * 4) })),
      payment: { token },
      ...(rand() < 0.5 ? { currency } : {}),
    };
    const body = JSON.stringify(order);
    const keyed = rand() < 0.3;
    if (!keyed) {
      first.push({ kind: 'new', order: i, body });
      continue;
    }
    const key = `load-${runId}-${i}`;
    first.push({ kind: 'new', order: i, key, body });
    const extra = rand();
    if (extra < 0.2) first.push({ kind: 'repeat', order: i, key, body }); // right behind it: concurrently
    else if (extra < 0.4) later.push({ kind: 'repeat', order: i, key, body });
    else if (extra < 0.45) {
      const other = { ...order, items: order.items.map((line) => ({ ...line, quantity: line.quantity + 1 })) };
      later.push({ kind: 'conflict', order: i, key, body: JSON.stringify(other) });
    }
  }
  return { first, later };
}

/** The most one order of the confirmed mix asks of one SKU. */
const CONFIRMED_MAX_QUANTITY = 3;

/**
 * Orders that all end CONFIRMED: an approving token, 1-3 lines of SKUs that cannot run out (stock for every order
 * of the run at the largest quantity), no Idempotency-Key.
 */
function planConfirmed(count: number, catalog: SeedEntry[], runOrders: number, seed: number): Plan {
  const rand = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const currency = catalog[0]!.currency;
  const plenty = catalog.filter((entry) => entry.currency === currency && entry.stock >= CONFIRMED_MAX_QUANTITY * runOrders).map((entry) => entry.sku);
  if (plenty.length === 0) throw new Error(`the confirmed mix needs SKUs with stock for every order (${CONFIRMED_MAX_QUANTITY * runOrders} units)`);
  const first: PlannedRequest[] = [];
  for (let i = 0; i < count; i++) {
    const skus = new Set<string>();
    const lines = Math.min(plenty.length, 1 + Math.floor(rand() * 3));
    while (skus.size < lines) skus.add(pick(plenty));
    const order = {
      customer: { id: `cust-${i % 500}`, email: `load.customer${i}@example.com`, name: `Load Customer ${i}` },
      items: [...skus].map((sku) => ({ sku, quantity: 1 + Math.floor(rand() * CONFIRMED_MAX_QUANTITY) })),
      payment: { token: pick(APPROVE) },
      currency,
    };
    first.push({ kind: 'new', order: i, body: JSON.stringify(order) });
  }
  return { first, later: [] };
}

// --- the run ---------------------------------------------------------------------------------------

class Aborted extends Error {
  override readonly name = 'AbortError';
  constructor() {
    super('the load run was interrupted');
  }
}

/** Reconciler runs at most, at the end of a run: each redrives what is left (a cap per execution applies too). */
const RECONCILE_ROUNDS = 10;

/** Tries of one request answered 503 before the client gives up. */
const CLIENT_ATTEMPTS = 20;

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

/** How long the client waits for one answer. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * One POST over node:http on a keep-alive agent: the client's own CPU is on the same cores as the stack it
 * measures, and fetch (undici) cost about twice as much per request (npm run bench's profile).
 */
function post(agent: Agent, url: string, headers: Record<string, string>, body: string, retried = false): Promise<{ status: number; text: string }> {
  return new Promise((resolvePost, reject) => {
    const req = httpRequest(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolvePost({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // A kept-alive connection the server closed while it sat idle (a pause longer than its keep-alive timeout):
      // the request never reached it, so it goes again on a new one, as Node's docs advise (http, request.reusedSocket).
      if (!retried && req.reusedSocket && error.code === 'ECONNRESET') resolvePost(post(agent, url, headers, body, true));
      else reject(error);
    });
    req.end(body);
  });
}

export function summaryLine(orders: number, seconds: number, violations: number): string {
  const rate = seconds > 0 ? orders / seconds : 0;
  return `${orders} orders, ${seconds.toFixed(1)} s, ${rate.toFixed(1)} orders/s, ${violations} violations`;
}

export async function runLoad(options: LoadOptions = {}): Promise<LoadResult> {
  const count = options.orders ?? LOAD_DEFAULTS.orders;
  const concurrency = options.concurrency ?? LOAD_DEFAULTS.concurrency;
  const retryMs = options.retryMs ?? LOAD_DEFAULTS.retryMs;
  const log = options.log ?? (() => undefined);
  const signal = options.signal;
  if (!Number.isInteger(count) || count < 1) throw new Error(`orders must be a whole number from 1, got ${count}`);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new Error(`concurrency must be from 1 to 256, got ${concurrency}`);
  // A malformed FAULTS or outage stops the run before anything starts, naming the bad entry.
  parseFaults(options.faults);
  const outagePlans = typeof options.outages === 'string' || options.outages === undefined ? parseOutages(options.outages) : options.outages;

  const scratch = mkdtempSync(join(tmpdir(), 'order-pipeline-load-'));
  let stack: LocalStack | undefined;
  const onAbort = () => void stack?.stop();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let catalog: SeedEntry[];
    let seedFile: string;
    if (options.seedFile) {
      seedFile = resolve(options.seedFile);
      catalog = await loadSeedFile(seedFile);
      if (catalog.length === 0) throw new Error(`${seedFile} has no products`);
    } else {
      catalog = loadCatalog(count);
      seedFile = join(scratch, 'catalog.json');
      writeFileSync(seedFile, JSON.stringify(catalog));
    }
    const runId = Math.floor(Date.now() / 1000).toString(36);
    // Scarce: less stock than the orders are expected to ask of it (a generous guess: 35% of orders, 1-2 units).
    const scarce = new Set(catalog.filter((entry) => entry.stock < count * 0.5).map((entry) => entry.sku));
    const mix = options.mix ?? 'mixed';
    const warmupCount = options.warmupOrders ?? 0;
    if (!Number.isInteger(warmupCount) || warmupCount < 0) throw new Error(`warmupOrders must be a whole number from 0, got ${warmupCount}`);
    const seed = options.randomSeed ?? LOAD_DEFAULTS.randomSeed;
    const planOf = (orders: number, planSeed: number, id: string) =>
      mix === 'confirmed' ? planConfirmed(orders, catalog, count + warmupCount, planSeed) : planRequests(orders, catalog, scarce, planSeed, id);
    const plan = planOf(count, seed, runId);
    // The warm-up's own orders (another seed, other keys): only their first requests, no repeats.
    const warmup = warmupCount > 0 ? planOf(warmupCount, seed + 1, `${runId}w`).first : [];

    resetFaults();
    if (signal?.aborted) throw new Aborted();
    stack = await startLocalStack({
      port: 0,
      quiet: true,
      ...options.stack,
      seedFile,
      retryIntervalOverrides: retryMs,
      faults: options.faults ?? '',
      // The reconciler's timer as npm start has it, but an hour apart: this run calls runNow() itself, at the end.
      reconcileEveryMs: 3_600_000,
    });
    if (signal?.aborted) throw new Aborted();
    const running = stack;
    log(`stack on ${running.url}; workflow retry pauses ${retryMs} ms instead of the definition's 1-8 s, so the run is quick`);
    log(
      `catalog: ${[...scarce].join(', ') || 'no'} scarce (stock ${catalog.filter((e) => scarce.has(e.sku)).map((e) => e.stock).join('/') || '-'}), ` +
        `${catalog.length - scarce.size} plentiful; ${plan.first.length + plan.later.length} requests for ${count} orders, ${concurrency} at a time`,
    );
    if (options.faults) log(`FAULTS=${options.faults}`);
    for (const plan of outagePlans) {
      log(`outage: ${plan.adapter} down (${plan.errorName}) from ${plan.startMs / 1000} s ${Number.isFinite(plan.durationMs) ? `for ${plan.durationMs / 1000} s` : 'until every execution has stopped'}`);
    }

    // --- send ---------------------------------------------------------------------------------------
    const httpStatuses: Record<string, number> = {};
    const problems: LoadProblem[] = [];
    const orderIdOf = new Map<number, string>(); // plan order -> orderId of its first 202
    const keyAnswers = new Map<string, Set<string>>(); // idempotency key -> orderIds answered
    const accepted = new Set<string>();
    let sent = 0;
    let answered = 0;
    let gaveUp = 0;
    const total = warmup.length + plan.first.length + plan.later.length;
    /** When the clock started: the first measured request, after the warm-up. */
    let startedAt = Date.now();
    // The outages, on the clock of the run (set once it starts); each one's end is awaited before reconciling.
    const outageTimers: NodeJS.Timeout[] = [];
    const endedAt = new Map<OutagePlan, number>();
    const endsWhenSettled: Array<() => void> = [];
    let outagesDone: Array<Promise<void>> = [];
    /** Time spent in `pauses.during`, left out of the run's seconds. */
    let pausedMs = 0;
    const startClock = () => {
      startedAt = Date.now();
      pausedMs = 0;
      options.onMeasuredPhase?.('start');
      outagesDone = outagePlans.map(
        (outage) =>
          new Promise<void>((resolveOutage) => {
            const end = () => {
              endOutage(outage.adapter);
              endedAt.set(outage, Date.now() - startedAt);
              resolveOutage();
            };
            outageTimers.push(setTimeout(() => startOutage(outage.adapter, outage.errorName), outage.startMs));
            if (Number.isFinite(outage.durationMs)) outageTimers.push(setTimeout(end, outage.startMs + outage.durationMs));
            else endsWhenSettled.push(end);
          }),
      );
    };
    /** Per measured order: ms from its POST /orders until its execution stopped. */
    const latencies: number[] = [];
    const warmAccepted = new Set<string>();

    const finishedCount = () => running.executions.list().filter((record) => record.status !== 'RUNNING').length;
    const progressLine = () => {
      const seconds = (Date.now() - startedAt) / 1000;
      const finished = finishedCount();
      return `requests ${answered}/${total}, accepted ${accepted.size}, finished ${finished}/${accepted.size}, ${seconds.toFixed(1)} s, ${(finished / Math.max(seconds, 0.001)).toFixed(1)} orders/s`;
    };
    const progressTimer = options.onProgress ? setInterval(() => options.onProgress!(progressLine(), false), 250) : undefined;

    // As many connections as clients, kept open between requests.
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    const send = async (request: PlannedRequest, measured: boolean): Promise<void> => {
      if (measured && request.kind === 'new') options.onNewOrder?.(request.order);
      const requestedAt = performance.now();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (request.key) headers['idempotency-key'] = request.key;
      if (options.stack?.apiKey) headers['x-api-key'] = options.stack.apiKey;
      for (let attempt = 1; ; attempt++) {
        if (signal?.aborted) throw new Aborted();
        sent += attempt === 1 ? 1 : 0;
        let status: number;
        let body: { orderId?: string; error?: string; message?: string } = {};
        try {
          const response = await post(agent, `${running.url}/orders`, headers, request.body);
          status = response.status;
          const text = response.text;
          try {
            body = JSON.parse(text) as typeof body;
          } catch {
            body = { message: text.slice(0, 200) };
          }
        } catch (error) {
          if (signal?.aborted) throw new Aborted();
          problems.push({ subject: `order ${request.order}`, message: `request failed: ${(error as Error).message}` });
          return;
        }
        httpStatuses[status] = (httpStatuses[status] ?? 0) + 1;
        // 503 TransientError (a throttled or failing dependency, e.g. injected faults): retry, as its Retry-After
        // says, but after 10-200 ms rather than 1 s, so the run stays quick.
        // 429 Throttled (AWS's throttles; the local stack has none) is retried the same way, with the same key.
        if ((status === 503 || status === 429) && attempt < CLIENT_ATTEMPTS) {
          await sleep(Math.min(200, 10 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
          continue;
        }
        answered += 1;
        if (status === 503 || status === 429) {
          // Still throttled after every try: the service refused the order, as it may; the client gives up.
          gaveUp += 1;
          return;
        }
        if (status === 202 && body.orderId) {
          const orderId = body.orderId;
          const isNew = request.kind === 'new' && !accepted.has(orderId);
          accepted.add(orderId);
          if (!measured) warmAccepted.add(orderId);
          // Its end, for its latency and for a closed loop; one that never stops is reported after the run.
          const stopped = isNew
            ? running.waitForExecution(orderId, waitTimeout).then(
                () => {
                  if (!measured) return;
                  latencies.push(performance.now() - requestedAt);
                  options.onOrderStopped?.(request.order);
                },
                () => undefined,
              )
            : undefined;
          if (request.kind === 'conflict' && orderIdOf.has(request.order)) {
            problems.push({ subject: body.orderId, message: `same Idempotency-Key with another body answered 202, expected 409` });
          }
          if (!orderIdOf.has(request.order)) orderIdOf.set(request.order, body.orderId);
          if (request.key) {
            const ids = keyAnswers.get(request.key) ?? new Set<string>();
            ids.add(body.orderId);
            keyAnswers.set(request.key, ids);
          }
          if (options.closedLoop || !measured) await stopped;
          return;
        }
        if (status === 409 && request.kind === 'conflict' && body.error === 'IdempotencyConflict' && orderIdOf.has(request.order)) return;
        problems.push({
          subject: `order ${request.order} (${request.kind})`,
          message: `answered ${status} ${body.error ?? ''}: ${body.message ?? ''}`.trim(),
        });
        return;
      }
    };

    const waitTimeout = options.waitTimeoutMs ?? 120_000 + count * 50;
    const reconciler = { runs: 0, redriven: 0, pastCap: 0, failedOutsideCompensation: 0, notRedrivable: 0, stuckOrders: 0, errors: 0 };

    const runBatch = async (requests: PlannedRequest[], measured = true) => {
      let next = 0;
      const clients = Math.min(concurrency, requests.length);
      const pause = measured && options.closedLoop && options.pauses ? barrier(clients, options.pauses) : undefined;
      const worker = async () => {
        try {
          while (next < requests.length) {
            await pause?.gate();
            if (next >= requests.length) break;
            const request = requests[next++]!;
            await send(request, measured);
          }
        } finally {
          pause?.leave();
        }
      };
      await Promise.all(Array.from({ length: clients }, worker));
    };
    /**
     * Where the clients meet every `everyOrders` orders: each waits there (its last order finished, as the loop is
     * closed) until all still sending have arrived, then `during` runs once with the clock stopped.
     */
    const barrier = (clients: number, pauses: NonNullable<LoadOptions['pauses']>) => {
      let active = clients;
      let passed = 0;
      const waiting: Array<{ wake: () => void; fail: (error: unknown) => void }> = [];
      let pausing = false;
      const release = () => {
        if (pausing || waiting.length === 0 || waiting.length < active) return;
        pausing = true;
        const started = Date.now();
        const settle = (error?: unknown) => {
          pausedMs += Date.now() - started;
          pausing = false;
          // Each client woken sends the first order of the next stretch; a failed pause fails them all.
          const woken = waiting.splice(0);
          passed = woken.length;
          for (const client of woken) {
            if (error === undefined) client.wake();
            else client.fail(error);
          }
        };
        pauses.during(running).then(() => settle(), (error: unknown) => settle(error ?? new Error('the pause failed')));
      };
      return {
        gate: (): Promise<void> => {
          if (passed < pauses.everyOrders) {
            passed += 1;
            return Promise.resolve();
          }
          const arrived = new Promise<void>((wake, fail) => waiting.push({ wake, fail }));
          release();
          return arrived;
        },
        leave: () => {
          active -= 1;
          release();
        },
      };
    };
    try {
      if (warmup.length > 0) {
        await runBatch(warmup, false);
        log(`warm-up: ${warmAccepted.size} orders placed and finished before the clock started`);
      }
      startClock();
      await runBatch(plan.first);
      await runBatch(plan.later);

      // --- wait for every execution --------------------------------------------------------------
      await Promise.all(
        [...accepted].map((orderId) =>
          running.waitForExecution(orderId, waitTimeout).catch((error: unknown) => {
            problems.push({ subject: orderId, message: `execution did not finish: ${(error as Error).message}` });
          }),
        ),
      );
      // --- the dependencies back, the reconciler until nothing is left to redrive ------------------
      for (const end of endsWhenSettled) end();
      await Promise.race([Promise.all(outagesDone), new Promise((resolveAbort) => signal?.addEventListener('abort', resolveAbort, { once: true }))]);
      if (outagePlans.length > 0) log('every outage is over: running the reconciler until it has nothing left to redrive');
      for (let round = 1; round <= RECONCILE_ROUNDS && !signal?.aborted; round++) {
        const report: ReconcileReport | undefined = await running.reconciler!.runNow();
        reconciler.runs += 1;
        if (!report) {
          reconciler.errors += 1;
          continue; // said through the stack's warn; the next round tries again
        }
        reconciler.redriven += report.redriven.length;
        reconciler.pastCap += report.pastCap.length;
        reconciler.failedOutsideCompensation += report.failedOutsideCompensation.length;
        reconciler.notRedrivable += report.notRedrivable.length;
        reconciler.stuckOrders = report.stuckOrders.length;
        if (report.redriven.length === 0 && report.errors.length === 0) break;
        if (report.redriven.length > 0) log(`reconciler run ${round}: ${report.redriven.length} executions redriven`);
        await Promise.all(
          report.redriven.map((note) =>
            running.waitForExecution(note.orderId, waitTimeout).catch((error: unknown) => {
              problems.push({ subject: note.orderId, message: `redriven execution did not finish: ${(error as Error).message}` });
            }),
          ),
        );
        if (round === RECONCILE_ROUNDS) problems.push({ subject: 'reconciler', message: `still redriving after ${RECONCILE_ROUNDS} runs` });
      }
    } finally {
      agent.destroy();
      if (progressTimer) clearInterval(progressTimer);
      for (const timer of outageTimers) clearTimeout(timer);
      for (const outage of outagePlans) endOutage(outage.adapter);
    }
    if (signal?.aborted) throw new Aborted();
    const seconds = (Date.now() - startedAt - pausedMs) / 1000;
    options.onMeasuredPhase?.('end');
    options.onProgress?.(progressLine(), true);

    // --- check -----------------------------------------------------------------------------------
    for (const [key, ids] of keyAnswers) {
      if (ids.size > 1) problems.push({ subject: key, message: `one Idempotency-Key answered ${ids.size} different orders: ${[...ids].join(', ')}` });
    }
    const executions = running.executions.list();
    const extra = executions.filter((record) => !accepted.has(record.name));
    if (extra.length > 0) problems.push({ subject: 'executions', message: `${extra.length} executions started that no 202 answered (e.g. ${extra[0]!.name})` });
    for (const record of executions) {
      if (record.status === 'RUNNING' || record.status === 'ABORTED') problems.push({ subject: record.name, message: `execution is ${record.status}` });
    }
    const acceptedOrderIds = [...accepted];
    const snapshot = await takeSnapshot(running, acceptedOrderIds);
    const report = reportOf(snapshot, running.executions);
    const outcomes: Record<string, number> = {};
    for (const order of snapshot.orders) {
      if (!accepted.has(order.orderId)) continue;
      const label = order.reason ? `${order.status}/${order.reason}` : order.status;
      outcomes[label] = (outcomes[label] ?? 0) + 1;
      if (!FINAL_STATUSES.includes(order.status)) problems.push({ subject: order.orderId, message: `order is ${order.status}` });
    }
    const counters = faultCounters();
    const violationCount = report.violations.length + problems.length;
    const measuredOrders = accepted.size - warmAccepted.size;
    return {
      orders: measuredOrders,
      acceptedOrderIds,
      seconds,
      ordersPerSecond: seconds > 0 ? measuredOrders / seconds : 0,
      latencyMs: latencySummary(latencies),
      warmupOrders: warmAccepted.size,
      requests: sent,
      gaveUp,
      httpStatuses,
      report,
      violations: report.violations,
      problems,
      outcomes,
      faults: { spec: options.faults, calls: counters.calls, injected: counters.injected },
      outages: outagePlans.map((outage) => ({
        ...outage,
        fromSeconds: outage.startMs / 1000,
        toSeconds: Number.isFinite(outage.durationMs) ? (outage.startMs + outage.durationMs) / 1000 : Math.round((endedAt.get(outage) ?? 0) / 100) / 10,
      })),
      reconciler,
      catalog: {
        scarce: [...scarce],
        plentiful: catalog.filter((entry) => !scarce.has(entry.sku)).map((entry) => entry.sku),
        initialStock: running.initialStock,
      },
      summary: summaryLine(measuredOrders, seconds, violationCount),
    };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await stack?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The report printed after a run, before the closing line. */
export function describeResult(result: LoadResult): string {
  const lines: string[] = [];
  const statuses = Object.entries(result.httpStatuses)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, n]) => `${status} x ${n}${status === '503' || status === '429' ? ' (retried)' : ''}`);
  lines.push(`HTTP: ${result.requests} requests; answers ${statuses.join(', ')}${result.gaveUp > 0 ? `; ${result.gaveUp} given up after ${CLIENT_ATTEMPTS} answers 503 or 429` : ''}`);
  const outcomes = Object.entries(result.outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, n]) => `${label} ${n}`);
  lines.push(`orders: ${outcomes.join(', ')}`);
  lines.push(`authorizations: ${result.report.authorizations.AUTHORIZED} held, ${result.report.authorizations.VOIDED} voided; ${result.report.messages} notifications in the outbox`);
  if (result.faults.spec) {
    const calls = FAULT_ADAPTERS.reduce((n, adapter) => n + (result.faults.calls[adapter] ?? 0), 0);
    const injected = FAULT_ADAPTERS.reduce((n, adapter) => n + (result.faults.injected[adapter] ?? 0), 0);
    const per = FAULT_ADAPTERS.map((adapter) => `${adapter} ${result.faults.injected[adapter]}/${result.faults.calls[adapter]}`).join(', ');
    lines.push(`faults injected: ${injected} of ${calls} adapter calls (${((100 * injected) / Math.max(calls, 1)).toFixed(1)}%): ${per}`);
  }
  if (result.outages.length > 0) {
    lines.push(`outages: ${result.outages.map((o) => `${o.adapter} down ${o.fromSeconds}-${o.toSeconds} s (${o.errorName})`).join(', ')}`);
  }
  const r = result.reconciler;
  lines.push(
    `reconciler: ${r.runs} runs, ${r.redriven} redrives${r.pastCap ? `, ${r.pastCap} past the cap` : ''}${r.failedOutsideCompensation ? `, ${r.failedOutsideCompensation} failed outside compensation` : ''}` +
      `${r.notRedrivable ? `, ${r.notRedrivable} not redrivable` : ''}${r.errors ? `, ${r.errors} failed runs` : ''}; ${r.stuckOrders} stuck orders`,
  );
  if (result.violations.length === 0) lines.push('consistency: guarantees 1-4 hold (0 violations)');
  else lines.push(`consistency: ${result.violations.length} violations of guarantees 1-4:\n${describeViolations(result.violations)}`);
  if (result.problems.length > 0) {
    lines.push(`load run: ${result.problems.length} problems:`);
    for (const problem of result.problems.slice(0, 20)) lines.push(`  ${problem.subject}: ${problem.message}`);
    if (result.problems.length > 20) lines.push(`  … and ${result.problems.length - 20} more`);
  }
  return lines.join('\n');
}

// --- the command ---------------------------------------------------------------------------------

const USAGE = 'usage: npm run load -- [--orders N] [--concurrency C] [--faults SPEC] [--outage SPEC] [--seed FILE] [--retry-ms MS] [--random-seed N]';

const fail: Fail = commandFailure('npm run load');

function wholeNumber(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) fail(`--${flag} must be a whole number from ${min} to ${max}, got "${value}" (${USAGE})`, 2);
  return Number(value);
}

async function main(): Promise<void> {
  const values = parseStrictFlags(
    {
      orders: { type: 'string' },
      concurrency: { type: 'string' },
      faults: { type: 'string' },
      outage: { type: 'string' },
      seed: { type: 'string' },
      'retry-ms': { type: 'string' },
      'random-seed': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    fail,
  );
  if (values.help) {
    process.stdout.write(
      `${USAGE}\n` +
        `  --orders N        distinct orders to place (default ${LOAD_DEFAULTS.orders})\n` +
        `  --concurrency C   requests in flight (default ${LOAD_DEFAULTS.concurrency})\n` +
        '  --faults SPEC     FAULTS for the stack (default: the FAULTS variable), e.g. payments:TransientError:20,sns:InternalErrorException:5\n' +
        '  --outage SPEC     dependencies down for a stretch: adapter[:ErrorName]:DURATION@START, comma-separated, e.g. payments:20s@5s\n' +
        '  --seed FILE       catalog seed instead of the generated one\n' +
        `  --retry-ms MS     workflow retry pause (default ${LOAD_DEFAULTS.retryMs})\n` +
        `  --random-seed N   seed of the request mix (default ${LOAD_DEFAULTS.randomSeed})\n`,
    );
    process.exit(0);
  }
  // --faults, else FAULTS from the environment, as npm start and npm run invoke take it.
  const faults = typeof values.faults === 'string' ? values.faults : process.env.FAULTS || undefined;
  try {
    parseFaults(faults);
  } catch (error) {
    fail((error as Error).message, 2);
  }
  const outages = typeof values.outage === 'string' ? values.outage : undefined;
  try {
    parseOutages(outages);
  } catch (error) {
    fail((error as Error).message, 2);
  }
  if (values.seed === '') fail('--seed needs a file', 2);
  if (!findJava()) fail(JAVA_MISSING_MESSAGE, 1);

  const tty = process.stdout.isTTY === true;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  let lastPlain = 0;
  const onProgress = (line: string, final: boolean) => {
    if (tty) {
      process.stdout.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    } else if (final || Date.now() - lastPlain >= 2000) {
      lastPlain = Date.now();
      out(line);
    }
  };
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      process.stderr.write(`\n${signal} again: exiting now\n`);
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping the load run and the local stack...\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  out('load: starting a quiet local stack (DynamoDB Local, the real workflow and handlers) on a free port of 127.0.0.1...');
  const orders = wholeNumber('orders', values.orders as string | undefined, 1, 1_000_000);
  const concurrency = wholeNumber('concurrency', values.concurrency as string | undefined, 1, 256);
  const retryMs = wholeNumber('retry-ms', values['retry-ms'] as string | undefined, 0, 10_000);
  const randomSeed = wholeNumber('random-seed', values['random-seed'] as string | undefined, 0, 2 ** 32 - 1);
  let result: LoadResult;
  try {
    result = await runLoad({
      ...(orders !== undefined ? { orders } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(retryMs !== undefined ? { retryMs } : {}),
      ...(randomSeed !== undefined ? { randomSeed } : {}),
      ...(faults !== undefined ? { faults } : {}),
      ...(outages !== undefined ? { outages } : {}),
      ...(typeof values.seed === 'string' ? { seedFile: values.seed } : {}),
      log: (line) => out(`load: ${line}`),
      onProgress,
      signal: controller.signal,
    });
  } catch (error) {
    if (tty) process.stdout.write('\n');
    if (interrupted) {
      process.stderr.write('load run interrupted; everything it started is stopped\n');
      process.exit(130);
    }
    fail((error as Error).message, 1);
  }
  out(describeResult(result));
  out(result.summary);
  process.exit(result.violations.length + result.problems.length === 0 ? 0 : 1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
