// Section 3 of `npm run bench`: what one order costs on AWS, per path, counted from real local executions
// (bench/cost/measure.ts) and priced at us-east-1 prices (bench/prices.ts), as a Standard and as an Express workflow.
import { measurePaths, median, ORDER_LINES, PATHS, PATH_TITLES, type MeasureEnvironment, type Measurement, type OrderRun, type PathKey } from './cost/measure.ts';
import { PRICES, perMillion, type Price } from './prices.ts';
import type { BenchOptions, BenchSection, BenchTarget } from './section.ts';
import { cite, table } from './cost/markdown.ts';

/** Measured orders per path: the quick smoke run takes one of each; the full run enough for stable medians. */
export const ORDERS_PER_PATH = { quick: 1, full: 5 } as const;
/** The target the issue sets for the confirmed path (Standard workflows bill per state transition). */
export const CONFIRMED_TRANSITIONS_TARGET = 6;
/** Express bills memory in 64 MB chunks and duration in 100 ms steps (Step Functions pricing page). */
const EXPRESS_MEMORY_CHUNK_MB = 64;
const EXPRESS_DURATION_STEP_MS = 100;

/** What one order of a path uses on AWS, from its measured runs. */
export interface PathCounts {
  path: PathKey;
  title: string;
  outcome: string;
  statesEntered: string[];
  retries: number;
  stateTransitions: number;
  /** Invocations per function, in the order they ran. */
  lambdaSequence: string[];
  lambdaInvocations: number;
  /** Billed milliseconds per invocation (median over the path's orders, rounded up to 1 ms as Lambda bills). */
  lambdaBilledMs: number[];
  lambdaGbSeconds: number;
  dynamodbRequests: number;
  readUnits: number;
  writeUnits: number;
  /** Units per table logical id. */
  unitsByTable: Record<string, { read: number; write: number }>;
  snsPublishes: number;
  snsEmailDeliveries: number;
  apiGatewayCalls: number;
  /** Express: billed duration (local execution time plus the retries' expected waits on AWS, in 100 ms steps). */
  expressBilledMs: number | undefined;
  expressGbSeconds: number | undefined;
  /** The counts were the same on every measured order of the path. */
  repeatable: boolean;
  /** Inventory write units per order line (the hot-SKU figure of section 4). */
  inventoryWriteUnitsPerLine: number;
  /** Inventory read units per order line. */
  inventoryReadUnitsPerLine: number;
  /** StartExecution calls per order (measured: createOrder's one; a replayed POST /orders calls it again). */
  startExecutions: number;
}

export interface CountedOrders {
  measurement: Measurement;
  counts: Record<PathKey, PathCounts>;
}

export interface CostLines {
  stepFunctions: number;
  lambda: number;
  dynamodb: number;
  sns: number;
  apiGateway: number;
  total: number;
}

function signature(run: OrderRun): string {
  return JSON.stringify([
    run.stateTransitions,
    run.lambda.map((call) => call.fn),
    run.dynamodb.map((call) => [call.operation, call.readUnits, call.writeUnits]),
    run.snsPublishes,
    run.api.map((call) => `${call.method} ${call.path} ${call.status}`),
    run.startExecutions,
    run.redrives,
  ]);
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

export function countsOf(measurement: Measurement, path: PathKey): PathCounts {
  const runs = measurement.runs[path];
  const first = runs[0];
  if (!first) throw new Error(`no measured order on the ${PATH_TITLES[path]} path`);
  const repeatable = runs.every((run) => signature(run) === signature(first));
  const sequence = first.lambda.map((call) => call.fn);
  const sameSequence = runs.every((run) => run.lambda.map((call) => call.fn).join() === sequence.join());
  // Each invocation at the median of the same invocation over the path's orders (faulted attempts end early).
  const billedMs = sequence.map((fn, i) => Math.max(1, Math.ceil(sameSequence ? median(runs.map((run) => run.lambda[i]!.ms)) : (measurement.medianMs[fn] ?? first.lambda[i]!.ms))));
  const gbSeconds = sum(sequence.map((fn, i) => ((measurement.memoryMb[fn] ?? 128) / 1024) * (billedMs[i]! / 1000)));
  const unitsByTable: Record<string, { read: number; write: number }> = {};
  for (const call of first.dynamodb) {
    for (const [i, logical] of call.logicalTables.entries()) {
      const units = Object.values(call.tables)[i]!;
      const entry = (unitsByTable[logical] ??= { read: 0, write: 0 });
      entry.read += units.read;
      entry.write += units.write;
    }
  }
  const publishes = sum(Object.values(first.snsPublishes));
  const deliveries = sum(Object.entries(first.snsPublishes).map(([topic, count]) => count * (measurement.emailSubscriptions[topic] ?? 0)));
  const expressMs = first.redriven
    ? undefined
    : Math.ceil((median(runs.map((run) => run.executionMs)) + first.expectedRetryWaitMs) / EXPRESS_DURATION_STEP_MS) * EXPRESS_DURATION_STEP_MS;
  const inventory = unitsByTable.InventoryTable ?? { read: 0, write: 0 };
  return {
    path,
    title: PATH_TITLES[path],
    outcome: `${first.executionStatus} / ${first.orderStatus}`,
    statesEntered: first.statesEntered,
    retries: first.retries,
    stateTransitions: first.stateTransitions,
    lambdaSequence: sequence,
    lambdaInvocations: sequence.length,
    lambdaBilledMs: billedMs,
    lambdaGbSeconds: gbSeconds,
    dynamodbRequests: first.dynamodb.length,
    readUnits: sum(first.dynamodb.map((call) => call.readUnits)),
    writeUnits: sum(first.dynamodb.map((call) => call.writeUnits)),
    unitsByTable,
    snsPublishes: publishes,
    snsEmailDeliveries: deliveries,
    apiGatewayCalls: first.api.length,
    expressBilledMs: expressMs,
    expressGbSeconds: expressMs === undefined ? undefined : (EXPRESS_MEMORY_CHUNK_MB / 1024) * (expressMs / 1000),
    repeatable,
    inventoryWriteUnitsPerLine: inventory.write / ORDER_LINES,
    inventoryReadUnitsPerLine: inventory.read / ORDER_LINES,
    startExecutions: first.startExecutions,
  };
}

const cache = new Map<string, Promise<CountedOrders>>();

/**
 * The per-order counts of every path. Memoized per mode (and lent environment) within the process, so the scale
 * section reads the same run as the cost section instead of starting the stack again.
 */
export function countPerOrder(options: BenchOptions, environment: MeasureEnvironment = {}): Promise<CountedOrders> {
  const key = JSON.stringify([options.quick, environment.dynamodbEndpoint ?? null, environment.config !== undefined]);
  let counted = cache.get(key);
  if (!counted) {
    counted = measurePaths({ ...environment, ordersPerPath: options.quick ? ORDERS_PER_PATH.quick : ORDERS_PER_PATH.full, ...(options.log ? { log: options.log } : {}) }).then((measurement) => ({
      measurement,
      counts: Object.fromEntries(PATHS.map((path) => [path, countsOf(measurement, path)])) as Record<PathKey, PathCounts>,
    }));
    cache.set(key, counted);
    counted.catch(() => cache.delete(key));
  }
  return counted;
}

/** What everything but the workflow itself costs per order (the same under Standard and Express). */
function sharedLines(c: PathCounts): Omit<CostLines, 'stepFunctions' | 'total'> {
  return {
    lambda: c.lambdaInvocations * PRICES.lambdaRequest.usd + c.lambdaGbSeconds * PRICES.lambdaArmGbSecond.usd,
    dynamodb: c.writeUnits * PRICES.dynamodbWriteRequestUnit.usd + c.readUnits * PRICES.dynamodbReadRequestUnit.usd,
    sns: c.snsPublishes * PRICES.snsPublish.usd + c.snsEmailDeliveries * PRICES.snsEmailDelivery.usd,
    apiGateway: c.apiGatewayCalls * PRICES.restApiRequest.usd,
  };
}

function withTotal(lines: Omit<CostLines, 'total'>): CostLines {
  return { ...lines, total: lines.stepFunctions + lines.lambda + lines.dynamodb + lines.sns + lines.apiGateway };
}

export function standardCost(c: PathCounts): CostLines {
  return withTotal({ stepFunctions: c.stateTransitions * PRICES.stateTransition.usd, ...sharedLines(c) });
}

/** Undefined when the path cannot run as Express (a redrive: Express executions cannot be redriven). */
export function expressCost(c: PathCounts): CostLines | undefined {
  if (c.expressGbSeconds === undefined) return undefined;
  return withTotal({ stepFunctions: PRICES.expressRequest.usd + c.expressGbSeconds * PRICES.expressGbSecond.usd, ...sharedLines(c) });
}

// ---- Markdown ------------------------------------------------------------------------------------------------------
const usd = (value: number) => `$${value.toFixed(2)}`;
const num = (value: number, digits = 1) => (Number.isInteger(value) ? String(value) : value.toFixed(digits));

function countsTable(counts: Record<PathKey, PathCounts>): string {
  return table(
    ['path', 'outcome', 'state transitions (entered + retries)', 'Lambda invocations', 'Lambda GB-s', 'DynamoDB RRU', 'DynamoDB WRU', 'SNS publishes (+ e-mail deliveries)', 'API Gateway calls'],
    PATHS.map((path) => {
      const c = counts[path];
      return [c.title, c.outcome, `${c.stateTransitions} (${c.statesEntered.length} + ${c.retries})`, c.lambdaInvocations, c.lambdaGbSeconds.toFixed(4), num(c.readUnits), num(c.writeUnits), `${c.snsPublishes} (+ ${c.snsEmailDeliveries})`, c.apiGatewayCalls];
    }),
  );
}

function costTable(counts: Record<PathKey, PathCounts>): string {
  return table(
    ['path', 'Step Functions', 'Lambda', 'DynamoDB', 'SNS', 'API Gateway', '**Standard total**', 'Express: Step Functions', '**Express total**'],
    PATHS.map((path) => {
      const s = standardCost(counts[path]);
      const e = expressCost(counts[path]);
      const perM = (value: number) => usd(perMillion(value));
      return [counts[path].title, perM(s.stepFunctions), perM(s.lambda), perM(s.dynamodb), perM(s.sns), perM(s.apiGateway), `**${perM(s.total)}**`, e ? perM(e.stepFunctions) : 'n/a (no redrive)', e ? `**${perM(e.total)}**` : 'n/a'];
    }),
  );
}

function dynamodbTable(measurement: Measurement): string {
  const run = measurement.runs.confirmed[0]!;
  return table(
    ['made by', 'request', 'tables', 'RRU', 'WRU'],
    run.dynamodb.map((call) => [call.caller, call.operation + (call.error ? ` (${call.error})` : ''), call.logicalTables.join(', '), num(call.readUnits), num(call.writeUnits)]),
  );
}

function pricesTable(): string {
  const link = cite;
  return table(
    ['what', 'price (us-east-1)', 'source', 'how it is counted', 'checked'],
    (Object.values(PRICES) as Price[]).map((price) => [price.unit, price.quoted, link(price.source), price.rules ? link(price.rules) : (price.note ?? ''), price.checked]),
  );
}

const MEMORY_OPTIONS_MB = [128, 256, 512, 1024];

function memoryTable(measurement: Measurement, counts: Record<PathKey, PathCounts>): { markdown: string; computeShare: number } {
  const confirmed = counts.confirmed;
  const total = standardCost(confirmed).total;
  const byFn = new Map<string, { invocations: number; ms: number }>();
  confirmed.lambdaSequence.forEach((fn, i) => {
    const entry = byFn.get(fn) ?? { invocations: 0, ms: 0 };
    entry.invocations += 1;
    entry.ms += confirmed.lambdaBilledMs[i]!;
    byFn.set(fn, entry);
  });
  const functions = [...new Set([...confirmed.lambdaSequence, ...Object.keys(measurement.medianMs)])];
  const rows = functions.map((fn) => {
    const inConfirmed = byFn.get(fn);
    const ms = Math.ceil(measurement.medianMs[fn] ?? 0);
    const atMemory = (mb: number) => usd(perMillion((mb / 1024) * (ms / 1000) * PRICES.lambdaArmGbSecond.usd + PRICES.lambdaRequest.usd));
    return [fn, inConfirmed?.invocations ?? 0, measurement.memoryMb[fn] ?? '?', ms, ...MEMORY_OPTIONS_MB.map(atMemory)];
  });
  const compute = confirmed.lambdaGbSeconds * PRICES.lambdaArmGbSecond.usd;
  return {
    markdown: table(['function', 'invocations per confirmed order', 'memory now (MB)', 'median warm duration (ms)', ...MEMORY_OPTIONS_MB.map((mb) => `$/M invocations at ${mb} MB`)], rows),
    computeShare: compute / total,
  };
}

export function costMarkdown(counted: CountedOrders, quick: boolean): string {
  const { measurement, counts } = counted;
  const confirmed = counts.confirmed;
  const s = standardCost(confirmed);
  const e = expressCost(confirmed)!;
  const memory = memoryTable(measurement, counts);
  const halfSaving = perMillion((confirmed.lambdaGbSeconds * PRICES.lambdaArmGbSecond.usd) / 2);
  const email = Object.entries(measurement.emailSubscriptions).map(([topic, n]) => `${topic}: ${n}`).join(', ');
  return [
    `Counted from real executions on the local stack: each order sent as \`POST /orders\` over HTTP (a two-line order, with an Idempotency-Key), run by the definition and the handlers that deploy, against DynamoDB Local behind a metering proxy (bench/cost/dynamodbMeter.ts). ${measurement.ordersPerPath} order(s) per path${quick ? ' (quick run)' : ''}, after one warm-up round that starts every function; one order at a time, so everything metered while it runs is that order's. Priced at us-east-1 on-demand prices, first tier, free tiers left out.`,
    '',
    'Paths: **confirmed**; **declined** (tok_chargeDeclined); **out of stock** (a line over the stock: the payment is voided); **failed** (SendConfirmation cannot reach the Orders table on any attempt, so the reserved stock is released, the payment voided and the customer told: the failure path with the most work); **compensation redriven** (the same, with the Inventory table down through ReleaseStock too: the execution stops FAILED there, and RedriveExecution completes it once the table is back; both runs are counted).',
    '',
    '### What one order uses',
    '',
    countsTable(counts),
    '',
    `- **State transitions**: AWS bills "each time a step of your workflow is executed ... including retries" ([pricing](${PRICES.stateTransition.source})): every \`*StateEntered\` event of the AWS-format history (Choice and Fail states included) plus every retry (a \`TaskScheduled\` after the first in one state entry). Retries of the failure paths: ${counts.failed.retries} and ${counts.redriven.retries}.`,
    `- **Lambda**: every invocation (createOrder behind POST /orders, validatePayment behind /payments/validate, the workflow's tasks and each retry attempt), at the configured memory (serverless.yml: ${[...new Set(Object.values(measurement.memoryMb))].join('/')} MB). Billed duration: Lambda bills per 1 ms, "rounded up to the nearest 1 ms", init code included ([pricing](${PRICES.lambdaArmGbSecond.rules})). The assumption: on AWS an invocation takes as long as it took here, warm (the median over the path's orders, rounded up to 1 ms) - the handler plus its AWS calls, against DynamoDB Local on this machine. Cold starts are not in these figures; each adds its INIT time (section 1).`,
    `- **DynamoDB**: every request, the handlers' and the state machine's own dynamodb tasks (RecordConfirmationFailure, MarkFailed, ...), with the units DynamoDB Local reports in ConsumedCapacity (AWS's rules: 1 KB per write unit, 4 KB per read unit, half for eventually consistent reads, two units per item in a transaction). A write whose condition fails is billed too; it is counted by AWS's rules (developer guide, "DynamoDB read and write operations"). A cancelled TransactWriteItems (out of stock) is counted as if it had gone through: an upper bound, AWS documents no smaller figure.`,
    `- **SNS**: publishes per topic; each is delivered to every subscription of its topic, and serverless.yml gives each topic one e-mail subscription (${email}; the notifications topic's goes to the stage's notificationEmail): one e-mail delivery per publish.`,
    '- **API Gateway**: every request the REST API answers: `POST /orders` and each `apigateway:invoke` attempt of ValidatePayment to `POST /payments/validate`. Client reads (`GET /orders/{orderId}`, $3.50 per million each) are not in these figures.',
    `- **Express**: $1.00 per execution plus its duration in 64 MB chunks and 100 ms steps. Memory: the definition is ${(measurement.definitionBytes / 1024).toFixed(1)} KB and the largest state input or output ${(measurement.largestPayloadBytes / 1024).toFixed(1)} KB, far below one 64 MB chunk. Duration: the execution's time here (median) plus what its retries would wait on AWS (the definition's Retry: IntervalSeconds 1, BackoffRate 2, MaxDelaySeconds 8, FULL jitter, so half the capped delay on average), rounded up to 100 ms: ${PATHS.filter((p) => counts[p].expressBilledMs !== undefined).map((p) => `${counts[p].title} ${counts[p].expressBilledMs} ms`).join(', ')}.`,
    '- Not counted: CloudWatch Logs ingestion of the functions\' and the state machine\'s logs, X-Ray traces (tracing is on), KMS requests of the encrypted topics, data transfer, and the reconciler\'s own schedule (its cost is per five minutes, not per order).',
    '',
    '### Price per million orders',
    '',
    costTable(counts),
    '',
    `A confirmed order costs ${usd(perMillion(s.total))} per million as a Standard workflow, of which Step Functions is ${usd(perMillion(s.stepFunctions))} (${Math.round((100 * s.stepFunctions) / s.total)}%: ${confirmed.stateTransitions} transitions at $25 per million) and the SNS e-mail delivery ${usd(perMillion(confirmed.snsEmailDeliveries * PRICES.snsEmailDelivery.usd))}; as Express it would cost ${usd(perMillion(e.total))}.`,
    '',
    '### Where the DynamoDB units of a confirmed order go',
    '',
    dynamodbTable(measurement),
    '',
    '### Memory size per function',
    '',
    memory.markdown,
    '',
    `Dollar figures at each size assume the same duration (an I/O-bound function); for CPU-bound work duration shrinks as memory grows ("Lambda allocates CPU power in proportion to the amount of memory configured ... At 1,769 MB, a function has the equivalent of one vCPU", Lambda developer guide, "Configure Lambda function memory"), which makes the larger sizes cheaper than shown. **Choice: 512 MB for every function, as configured (serverless.yml unchanged).** At 512 MB the functions' compute is ${(100 * memory.computeShare).toFixed(1)}% of a confirmed order's cost: halving memory would save at most ${usd(halfSaving)} per million orders, while it halves the CPU share (512 MB is ~0.29 vCPU) that module initialisation - CPU-bound, billed, and on the synchronous POST /orders path - and the CPU-bound parts of each invocation (validation, SDK marshalling and signing) run on. 128 MB is what AWS recommends "only ... for simple Lambda functions, such as those that transform and route events" (same page), and these import the AWS SDK and Powertools. 1,024 MB would double the compute line for latency the workflow does not need (every step is one or two DynamoDB calls). Re-check with CloudWatch's Max Memory Used after deploying.`,
    '',
    '### Prices used',
    '',
    pricesTable(),
    '',
    'The figures in shared/notes/aws-behaviour.md ("Prices, us-east-1") were each checked against the sources above on the date shown: Standard $0.025 per 1,000 transitions, Express $1.00 per million requests plus $0.00001667 per GB-second in 64 MB and 100 ms steps, Lambda arm64 $0.0000133334 per GB-second and $0.20 per million requests, DynamoDB on-demand $0.625 / $0.125 per million write / read units, SNS $0.50 per million publishes and $2.00 per 100,000 e-mails, REST API $3.50 per million: all as the notes say.',
    '',
    '### Standard or Express',
    '',
    `Express would save ${usd(perMillion(s.total - e.total))} per million confirmed orders (${Math.round((100 * (s.total - e.total)) / s.total)}%), but it does not keep the guarantees, so the workflow stays **Standard** and there is no stage param for the type:`,
    '',
    '- **Exactly one workflow per Idempotency-Key.** POST /orders names the execution after the key and relies on Step Functions refusing a second execution of that name (adapters/ExecutionStarter.ts: ExecutionAlreadyExists, then DescribeExecution to tell a replay from a conflict). Standard: "Automatically returns an idempotent response on starting an execution with the same name as a currently-running workflow"; asynchronous Express: "Idempotency is not automatically managed. Starting multiple workflows with the same name results in concurrent executions" (Step Functions developer guide, "Execution guarantees", <https://docs.aws.amazon.com/step-functions/latest/dg/express-at-least-once-execution.html>), and "Executions of an EXPRESS state machine aren\'t supported by DescribeExecution unless a Map Run dispatched them" (API reference, DescribeExecution). Keeping the guarantee would need another mechanism (a conditional write of the key before starting), another write per order and another failure mode between the two.',
    '- **Exactly-once execution.** Standard is "exactly-once workflow execution"; asynchronous Express is "at-least-once ... Execution state doesn\'t persist between state transitions" (same page).',
    '- **Compensation that stopped is completed by a redrive.** RedriveExecution: "This API action is not supported by EXPRESS state machines" (API reference, RedriveExecution), and Express keeps no execution history for the reconciler to read ("Execution history is not captured by Step Functions", "Execution guarantees"). The compensation-redriven path above cannot happen on Express: such an order would stay half-compensated.',
    '',
    'Choose Express for a workflow whose every step is idempotent, that needs no deduplication by name, no redrive and no history, finishes within 5 minutes, and runs at rates where $25 per million transitions matters; this one needs all three guarantees.',
  ].join('\n');
}

export function costTargets(counted: CountedOrders): BenchTarget[] {
  const confirmed = counted.counts.confirmed;
  const unrepeatable = PATHS.filter((path) => !counted.counts[path].repeatable);
  return [
    {
      name: `confirmed path <= ${CONFIRMED_TRANSITIONS_TARGET} state transitions`,
      met: confirmed.stateTransitions <= CONFIRMED_TRANSITIONS_TARGET,
      detail: `${confirmed.stateTransitions} (${confirmed.statesEntered.join(', ')}${confirmed.retries > 0 ? ` + ${confirmed.retries} retries` : ''})`,
    },
    {
      name: 'every order of a path counts the same',
      met: unrepeatable.length === 0,
      detail: unrepeatable.length === 0 ? `${counted.measurement.ordersPerPath} order(s) per path, identical counts` : `differs on: ${unrepeatable.map((path) => PATH_TITLES[path]).join(', ')}`,
    },
  ];
}

export async function runCostSection(options: BenchOptions, environment: MeasureEnvironment = {}): Promise<BenchSection> {
  const counted = await countPerOrder(options, environment);
  options.log?.(`cost: measured ${PATHS.length} paths in ${counted.measurement.seconds.toFixed(1)} s`);
  return { title: 'Cost per order on AWS', markdown: costMarkdown(counted, options.quick), targets: costTargets(counted) };
}
