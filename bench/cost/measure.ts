// Runs real orders through the local stack - POST /orders over HTTP, the real definition, the real handlers, DynamoDB
// Local behind a metering proxy - one path at a time, and counts what each order used: state transitions (from the
// AWS-format execution history), Lambda invocations and their durations, DynamoDB request units, SNS publishes and
// API Gateway calls. Orders run one after another, so everything metered while one runs is that order's.
//
// The paths: confirmed; declined (the card is refused); out of stock; failed (the order never reaches CONFIRMED:
// SendConfirmation cannot reach the Orders table on any attempt, so the reserved stock is released, the payment
// voided and the customer told); compensation redriven (the same, and the Inventory table is down through
// ReleaseStock too, so the execution stops FAILED there; RedriveExecution, once it is back, completes it).
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { resetFaults } from '../../lib/faults.ts';
import type { HistoryEvent } from '../../local/engine/executionHistory.ts';
import type { ExecutionRecord } from '../../local/engine/executions.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/stack/dynamodbLocal.ts';
import { loadServerlessConfig, type ServerlessConfig } from '../../local/stack/serverlessConfig.ts';
import { startLocalStack, type LocalStack } from '../../local/stack/stack.ts';
import { DynamoDbMeter, type MeteredRequest } from './dynamodbMeter.ts';

export const PATHS = ['confirmed', 'declined', 'outOfStock', 'failed', 'redriven'] as const;
export type PathKey = (typeof PATHS)[number];

export const PATH_TITLES: Record<PathKey, string> = {
  confirmed: 'confirmed',
  declined: 'declined',
  outOfStock: 'out of stock',
  failed: 'failed (compensated)',
  redriven: 'compensation redriven',
};

/** What the environment may lend the measurement (tests share one DynamoDB Local and one printed config). */
export interface MeasureEnvironment {
  dynamodbEndpoint?: string;
  config?: ServerlessConfig;
}

export interface MeasureOptions extends MeasureEnvironment {
  /** Measured orders per path (after one warm-up round that warms every function). */
  ordersPerPath: number;
  log?: (line: string) => void;
}

export interface LambdaCall {
  fn: string;
  startMs: number;
  ms: number;
  failed: boolean;
}

export interface DynamoDbCall extends MeteredRequest {
  /** The function whose invocation made it, or `state machine` for the engine's direct dynamodb tasks. */
  caller: string;
  /** Logical ids (OrdersTable, ...) of the tables it touched. */
  logicalTables: string[];
}

export interface ApiCall {
  method: string;
  path: string;
  status: number;
}

/** One order, as counted. */
export interface OrderRun {
  path: PathKey;
  orderId: string;
  executionStatus: string;
  orderStatus: string;
  /** States entered, in order (a redriven order: both runs). */
  statesEntered: string[];
  /** Task attempts after the first, per state entry (each is billed as one more state transition). */
  retries: number;
  /** Billed state transitions (Standard): states entered plus retries. */
  stateTransitions: number;
  lambda: LambdaCall[];
  dynamodb: DynamoDbCall[];
  /** SNS publishes per topic logical id. */
  snsPublishes: Record<string, number>;
  api: ApiCall[];
  /** StartExecution calls that reached Step Functions (createOrder's), and RedriveExecution calls. */
  startExecutions: number;
  redrives: number;
  /** Wall time of the execution(s) here, from start to stop (retry waits at zero). */
  executionMs: number;
  /** What the retries would wait on AWS, expected value (the definition's Retry, with its jitter). */
  expectedRetryWaitMs: number;
  redriven: boolean;
}

export interface Measurement {
  runs: Record<PathKey, OrderRun[]>;
  /** Memory (MB) of each function, as the printed serverless config sets it. */
  memoryMb: Record<string, number>;
  /** E-mail subscriptions per topic logical id, from the template (each publish is delivered to each). */
  emailSubscriptions: Record<string, number>;
  /** The definition's size (JSON), for the Express memory estimate. */
  definitionBytes: number;
  /** The largest state input or output seen, in bytes. */
  largestPayloadBytes: number;
  ordersPerPath: number;
  /** Median duration per function over its measured invocations that succeeded (a faulted attempt ends early). */
  medianMs: Record<string, number>;
  seconds: number;
}

interface Window {
  meter: number;
  lambda: number;
  api: number;
  outbox: number;
  starts: number;
  redrives: number;
}

const ITEMS = [
  { sku: 'SKU-1', quantity: 1 },
  { sku: 'SKU-3', quantity: 1 },
];
/** Lines per measured order (every path's order has two). */
export const ORDER_LINES = ITEMS.length;
/** SKU-6 is seeded with 1 in stock (local/seed/catalog.json): 2 is always out of stock. */
const ITEMS_OUT_OF_STOCK = [
  { sku: 'SKU-1', quantity: 1 },
  { sku: 'SKU-6', quantity: 2 },
];
const CUSTOMER = { id: 'cust-bench', email: 'bench@example.com', name: 'Bench Customer' };

function orderBody(items: typeof ITEMS, token = 'tok_visa') {
  return { customer: CUSTOMER, items, payment: { token } };
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function detailsOf(event: HistoryEvent): Record<string, unknown> {
  const key = Object.keys(event).find((name) => name.endsWith('EventDetails'));
  return key ? (event[key] as Record<string, unknown>) : {};
}

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
  MaxAttempts?: number;
}

/**
 * States entered and retries, from an AWS-format history: a retry repeats TaskScheduled...TaskFailed inside the same
 * state (no new StateEntered). Also the expected wait of each retry on AWS, from the state's Retry: the n-th retry
 * of a retrier waits IntervalSeconds x BackoffRate^(n-1), capped at MaxDelaySeconds; with JitterStrategy FULL a
 * random time up to that, half of it on average (ASL spec and Step Functions developer guide, "Retrying after an
 * error").
 */
export function transitionsOf(history: HistoryEvent[], states: Record<string, { Retry?: Retrier[] }>): { entered: string[]; retries: number; expectedRetryWaitMs: number } {
  const entered: string[] = [];
  let retries = 0;
  let waitMs = 0;
  let current: string | undefined;
  let scheduledInEntry = 0;
  let lastError: string | undefined;
  let attemptsByRetrier = new Map<number, number>();
  for (const event of history) {
    if (event.type.endsWith('StateEntered')) {
      current = String(detailsOf(event).name);
      entered.push(current);
      scheduledInEntry = 0;
      attemptsByRetrier = new Map();
    } else if (event.type === 'TaskScheduled') {
      scheduledInEntry += 1;
      if (scheduledInEntry > 1) {
        retries += 1;
        const retry = (current ? states[current]?.Retry : undefined) ?? [];
        const index = retry.findIndex((r) => r.ErrorEquals.includes(lastError ?? '') || r.ErrorEquals.includes('States.ALL') || (r.ErrorEquals.includes('States.TaskFailed') && lastError !== 'States.Timeout'));
        const retrier = retry[index];
        if (retrier) {
          const n = (attemptsByRetrier.get(index) ?? 0) + 1;
          attemptsByRetrier.set(index, n);
          const cap = Math.min((retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** (n - 1), retrier.MaxDelaySeconds ?? Infinity);
          waitMs += (retrier.JitterStrategy === 'FULL' ? cap / 2 : cap) * 1000;
        }
      }
    } else if (event.type === 'TaskFailed' || event.type === 'TaskTimedOut') {
      const details = detailsOf(event);
      lastError = event.type === 'TaskTimedOut' ? 'States.Timeout' : String(details.error);
    }
  }
  return { entered, retries, expectedRetryWaitMs: waitMs };
}

/** A running local stack wired for counting. */
class MeteredStack {
  readonly lambdaCalls: LambdaCall[] = [];
  readonly apiCalls: ApiCall[] = [];
  starts = 0;
  redrives = 0;
  /** From the moment the workflow invokes `at`, FAULTS is `faults` (lib/faults.ts): a dependency down from a step on. */
  arms: Array<{ at: string; faults: string }> = [];
  private readonly tableIds = new Map<string, string>();
  private readonly topicIds = new Map<string, string>();

  constructor(
    readonly stack: LocalStack,
    readonly meter: DynamoDbMeter,
  ) {
    for (const [logicalId, table] of stack.tables) this.tableIds.set(table.tableName, logicalId);
    for (const { logicalId } of stack.resolver.resourcesOfType('AWS::SNS::Topic')) this.topicIds.set(String(stack.resolver.ref(logicalId)), logicalId);
    const { lambda, api } = stack;
    const invoke = lambda.invoke.bind(lambda);
    lambda.invoke = async (key, event) => {
      const arm = this.arms.find((entry) => entry.at === key);
      if (arm && process.env.FAULTS !== arm.faults) process.env.FAULTS = arm.faults;
      const startMs = performance.now();
      let failed = false;
      try {
        return await invoke(key, event);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        this.lambdaCalls.push({ fn: key, startMs, ms: performance.now() - startMs, failed });
      }
    };
    const engine = stack.stepFunctions;
    const startExecution = engine.startExecution.bind(engine);
    engine.startExecution = (request) => {
      this.starts += 1;
      return startExecution(request);
    };
    const redriveExecution = engine.redriveExecution.bind(engine);
    engine.redriveExecution = (arn, request) => {
      this.redrives += 1;
      return redriveExecution(arn, request);
    };
    const handle = api.handle.bind(api);
    api.handle = async (request, caller) => {
      const response = await handle(request, caller);
      this.apiCalls.push({ method: request.method.toUpperCase(), path: new URL(request.url, 'http://localhost').pathname, status: response.statusCode });
      return response;
    };
  }

  window(): Window {
    return {
      meter: this.meter.requests.length,
      lambda: this.lambdaCalls.length,
      api: this.apiCalls.length,
      outbox: this.stack.outbox.messages.length,
      starts: this.starts,
      redrives: this.redrives,
    };
  }

  /** MaxAttempts + 1 of the state's retrier for TransientError, as the definition says. */
  attempts(state: string): number {
    const retry = (this.stack.stepFunctions.definition.States[state]?.Retry ?? []) as Retrier[];
    const retrier = retry.find((r) => r.ErrorEquals.includes('TransientError') || r.ErrorEquals.includes('States.ALL'));
    if (!retrier) throw new Error(`${state} has no Retry for TransientError`);
    return (retrier.MaxAttempts ?? 3) + 1;
  }

  async post(body: unknown): Promise<string> {
    const response = await fetch(`${this.stack.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${randomUUID()}` },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { orderId?: string };
    if (response.status !== 202 || !answer.orderId) throw new Error(`POST /orders answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer.orderId;
  }

  async finished(orderId: string): Promise<ExecutionRecord> {
    const record = await this.stack.waitForExecution(orderId, 60_000);
    return { ...record, history: [...record.history] };
  }

  /** Everything metered since `from`, as the order's. */
  collect(path: PathKey, orderId: string, from: Window, record: ExecutionRecord, executionMs: number): OrderRun {
    const lambda = this.lambdaCalls.slice(from.lambda);
    const dynamodb = this.meter.since(from.meter).map((request): DynamoDbCall => {
      const during = lambda.find((call) => request.atMs >= call.startMs && request.atMs <= call.startMs + call.ms);
      return {
        ...request,
        caller: during?.fn ?? 'state machine',
        logicalTables: Object.keys(request.tables).map((name) => this.tableIds.get(name) ?? name),
      };
    });
    const snsPublishes: Record<string, number> = {};
    for (const message of this.stack.outbox.messages.slice(from.outbox)) {
      const topic = this.topicIds.get(message.topicArn) ?? message.topicArn;
      snsPublishes[topic] = (snsPublishes[topic] ?? 0) + 1;
    }
    const states = this.stack.stepFunctions.definition.States as Record<string, { Retry?: Retrier[] }>;
    const counted = transitionsOf(record.history, states);
    return {
      path,
      orderId,
      executionStatus: record.status,
      orderStatus: 'UNREAD',
      statesEntered: counted.entered,
      retries: counted.retries,
      stateTransitions: counted.entered.length + counted.retries,
      lambda,
      dynamodb,
      snsPublishes,
      api: this.apiCalls.slice(from.api),
      startExecutions: this.starts - from.starts,
      redrives: this.redrives - from.redrives,
      executionMs,
      expectedRetryWaitMs: counted.expectedRetryWaitMs,
      redriven: (record.redriveCount ?? 0) > 0,
    };
  }

  async orderStatus(orderId: string): Promise<string> {
    return String((await this.stack.order(orderId))?.status ?? 'NONE');
  }
}

function durationMs(record: ExecutionRecord): number {
  return (record.stopDate ?? new Date()).getTime() - record.startDate.getTime();
}

function checkOutcome(run: { executionStatus: string; orderStatus: string }, executionStatus: string, orderStatus: string, path: PathKey): void {
  if (run.executionStatus !== executionStatus || run.orderStatus !== orderStatus) {
    throw new Error(`the ${PATH_TITLES[path]} path ended ${run.executionStatus} / order ${run.orderStatus}, expected ${executionStatus} / ${orderStatus}`);
  }
}

/** One order of a path, start to finish, counted. */
async function runPath(m: MeteredStack, path: PathKey): Promise<OrderRun> {
  resetFaults();
  delete process.env.FAULTS;
  m.arms = [];
  const confirmationDown = { at: 'sendConfirmation', faults: `orders:TransientError:${m.attempts('SendConfirmation')}` };
  if (path === 'failed') m.arms = [confirmationDown];
  if (path === 'redriven') m.arms = [confirmationDown, { at: 'releaseStock', faults: 'inventory:TransientError:always' }];
  const from = m.window();
  try {
    const body = path === 'declined' ? orderBody(ITEMS, 'tok_chargeDeclined') : path === 'outOfStock' ? orderBody(ITEMS_OUT_OF_STOCK) : orderBody(ITEMS);
    const orderId = await m.post(body);
    let record = await m.finished(orderId);
    let executionMs = durationMs(record);
    if (path === 'redriven') {
      if (record.status !== 'FAILED' || record.error !== 'TransientError') throw new Error(`the first run should stop FAILED with TransientError at ReleaseStock, not ${record.status} ${record.error ?? ''}`);
      // The dependency is back: no faults from here on.
      m.arms = [];
      delete process.env.FAULTS;
      resetFaults();
      const firstRunEvents = record.history.length;
      m.stack.stepFunctions.redriveExecution(m.stack.stepFunctions.registry.executionArn(orderId));
      record = await m.finished(orderId);
      const redriveAt = record.history[firstRunEvents];
      executionMs += redriveAt ? new Date(record.history.at(-1)!.timestamp).getTime() - new Date(redriveAt.timestamp).getTime() : 0;
    }
    // Collected before the order record is read back: that read is the bench's, not the order's.
    const run = m.collect(path, orderId, from, record, executionMs);
    run.orderStatus = await m.orderStatus(orderId);
    const expected: Record<PathKey, [string, string]> = {
      confirmed: ['SUCCEEDED', 'CONFIRMED'],
      declined: ['SUCCEEDED', 'REJECTED'],
      outOfStock: ['SUCCEEDED', 'REJECTED'],
      failed: ['FAILED', 'FAILED'],
      redriven: ['FAILED', 'FAILED'],
    };
    checkOutcome(run, ...expected[path], path);
    return run;
  } finally {
    m.arms = [];
    delete process.env.FAULTS;
    resetFaults();
  }
}

function emailSubscriptionsOf(config: ServerlessConfig): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of Object.values(config.resources?.Resources ?? {})) {
    if (resource.Type !== 'AWS::SNS::Subscription') continue;
    const properties = (resource.Properties ?? {}) as { Protocol?: string; TopicArn?: { Ref?: string } };
    const topic = properties.TopicArn?.Ref;
    if (properties.Protocol === 'email' && topic) counts[topic] = (counts[topic] ?? 0) + 1;
  }
  return counts;
}

/** The largest state input or output of these executions, in bytes (Express bills memory by what it holds). */
function largestPayload(records: ExecutionRecord[]): number {
  let largest = 0;
  for (const record of records) {
    for (const event of record.history) {
      const details = detailsOf(event);
      for (const value of [details.input, details.output]) if (typeof value === 'string') largest = Math.max(largest, Buffer.byteLength(value));
    }
  }
  return largest;
}

/** Starts DynamoDB Local (unless lent one), the metering proxy and a quiet local stack; runs every path; stops it all. */
export async function measurePaths(options: MeasureOptions): Promise<Measurement> {
  const began = performance.now();
  const log = options.log ?? (() => undefined);
  let ddb: DynamoDbLocal | undefined;
  const meter = new DynamoDbMeter();
  let stack: LocalStack | undefined;
  const previousFaults = process.env.FAULTS;
  try {
    const [config, endpoint] = await Promise.all([
      options.config ? Promise.resolve(options.config) : loadServerlessConfig(),
      options.dynamodbEndpoint ? Promise.resolve(options.dynamodbEndpoint) : startDynamoDbLocal({ sharedDb: false }).then((started) => (ddb = started).endpoint),
    ]);
    const proxy = await meter.listen(endpoint);
    stack = await startLocalStack({
      port: 0,
      quiet: true,
      retryIntervalOverrides: 0,
      config,
      dynamodbEndpoint: proxy,
      accessKeyId: `bench${randomUUID().replaceAll('-', '').slice(0, 16)}`,
      faults: '',
    });
    const m = new MeteredStack(stack, meter);
    // Every function started once before anything is measured (a cold start is not what an order costs at scale).
    log('cost: warming every function (one failed and one declined order, not counted)');
    await runPath(m, 'failed');
    await runPath(m, 'declined');

    const runs = Object.fromEntries(PATHS.map((path) => [path, [] as OrderRun[]])) as Record<PathKey, OrderRun[]>;
    const records: ExecutionRecord[] = [];
    for (let round = 0; round < options.ordersPerPath; round++) {
      for (const path of PATHS) {
        const run = await runPath(m, path);
        runs[path].push(run);
        records.push(stack.stepFunctions.registry.get(run.orderId)!);
      }
      log(`cost: round ${round + 1}/${options.ordersPerPath} done`);
    }
    const allCalls = PATHS.flatMap((path) => runs[path].flatMap((run) => run.lambda)).filter((call) => !call.failed);
    const medianMs: Record<string, number> = {};
    for (const fn of new Set(allCalls.map((call) => call.fn))) medianMs[fn] = median(allCalls.filter((call) => call.fn === fn).map((call) => call.ms));
    const memoryMb = Object.fromEntries([...stack.lambda.functions].map(([key, fn]) => [key, fn.memorySize]));
    return {
      runs,
      memoryMb,
      emailSubscriptions: emailSubscriptionsOf(config),
      definitionBytes: Buffer.byteLength(JSON.stringify(stack.stepFunctions.definition)),
      largestPayloadBytes: largestPayload(records),
      ordersPerPath: options.ordersPerPath,
      medianMs,
      seconds: (performance.now() - began) / 1000,
    };
  } finally {
    await stack?.stop();
    await meter.close();
    await ddb?.stop();
    if (previousFaults === undefined) delete process.env.FAULTS;
    else process.env.FAULTS = previousFaults;
    resetFaults();
  }
}
