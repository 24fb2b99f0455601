// Section 4 of `npm run bench`: scale on AWS, on paper. For each per-account (or per-partition) limit, the order rate
// at which it binds, computed from the per-order counts section 3 measured (bench/cost.ts countPerOrder, the same
// run), with the limit's source, and what the service answers at that point.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { projectRoot } from '../local/stack/serverlessConfig.ts';
import { countPerOrder, type CountedOrders, type PathCounts } from './cost.ts';
import { cite, table } from './cost/markdown.ts';
import type { MeasureEnvironment } from './cost/measure.ts';
import type { BenchOptions, BenchSection, BenchTarget } from './section.ts';

const CHECKED = '2026-12-01';
/** The developer guide's quota tables, as AWS published them in its documentation repository (the live page renders them with scripts). */
const LIMITS_PAGE = 'https://github.com/awsdocs/aws-step-functions-developer-guide (doc_source/limits-overview.md)';
const LIMITS_PAGE_URL = 'https://github.com/awsdocs/aws-step-functions-developer-guide';

/** A quota as AWS documents it (us-east-1 defaults), with where it was read. */
export interface Quota {
  what: string;
  value: number;
  unit: string;
  burst?: number;
  source: string;
  checked: string;
  note?: string;
}

export const QUOTAS = {
  startExecution: {
    what: 'StartExecution, Standard, us-east-1 (token bucket, per account and Region)',
    value: 300,
    unit: 'calls per second (refill)',
    burst: 1300,
    source: LIMITS_PAGE,
    checked: CHECKED,
    note: 'Step Functions developer guide, "Quotas related to API action throttling": bucket 1,300, refill 300 per second in US East (N. Virginia); Express 6,000 / 6,000. Current page: <https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html> ("AWS Step Functions may increase both the bucket size and refill rate at any time").',
  },
  stateTransition: {
    what: 'StateTransition, Standard, us-east-1 (token bucket, per account and Region)',
    value: 1500,
    unit: 'state transitions per second (refill)',
    burst: 5000,
    source: LIMITS_PAGE,
    checked: CHECKED,
    note: 'Same guide, "Quotas related to state throttling": bucket 5,000, refill 1,500 per second; Express unlimited. "New AWS accounts have reduced state transition quotas. AWS raises these quotas automatically based on your usage" (current service-quotas page). "Throttling on the StateTransition service metric is reported as ExecutionThrottled in Amazon CloudWatch".',
  },
  describeExecution: {
    what: 'DescribeExecution, us-east-1 (token bucket)',
    value: 15,
    unit: 'calls per second (refill)',
    burst: 300,
    source: LIMITS_PAGE,
    checked: CHECKED,
    note: 'Same guide, "Other quotas". createOrder calls it only for a replay: a POST /orders whose Idempotency-Key names an execution that exists.',
  },
  openExecutions: {
    what: 'Open (running) executions, Standard',
    value: 1_000_000,
    unit: 'executions per account and Region',
    source: LIMITS_PAGE,
    checked: CHECKED,
    note: '"Exceeding this will cause an ExecutionLimitExceeded error."',
  },
  lambdaConcurrency: {
    what: 'Lambda concurrent executions (account, Region)',
    value: 1000,
    unit: 'concurrent executions',
    source: 'https://serverlessland.com/content/service/lambda/guides/aws-lambda-operator-guide/scaling-concurrency',
    checked: CHECKED,
    note: '"All AWS accounts start with a default concurrent limit of 1000 per Region." Scaling: "for each function, your concurrency scaling rate is 1,000 execution environment instances every 10 seconds" (<https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html>); beyond either, "requests fail with a throttling error (status code 429)".',
  },
  partitionWrites: {
    what: 'DynamoDB writes to one partition (one item: a popular SKU)',
    value: 1000,
    unit: 'write units per second',
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html',
    checked: CHECKED,
    note: '"each individual partition is limited to 1,000 write units per second and 3,000 read units per second"; an item lives in one partition.',
  },
  partitionReads: {
    what: 'DynamoDB reads of one partition',
    value: 3000,
    unit: 'read units per second',
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html',
    checked: CHECKED,
  },
  tableWarmWrites: {
    what: 'DynamoDB new on-demand table, warm throughput (Orders table)',
    value: 4000,
    unit: 'write units per second (grows with use)',
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html',
    checked: CHECKED,
    note: '"New on-demand tables will start with a warm throughput of 12,000 read units per second and 4,000 write units per second ... When requests exceed [these], the warm throughput will automatically adjust to higher values." Warm throughput can be raised before a launch.',
  },
  apiGatewayAccount: {
    what: 'API Gateway account throttle (all APIs, Region)',
    value: 10_000,
    unit: 'requests per second',
    burst: 5000,
    source: 'https://aws.amazon.com/premiumsupport/knowledge-center/api-gateway-429-limit/',
    checked: CHECKED,
    note: '"The throttle quota is 10,000 requests per second (RPS) ... The maximum bucket capacity is 5,000 requests per account and Region"; "Exceeding the throttling limit or quota returns a 429 Too Many Requests".',
  },
} as const satisfies Record<string, Quota>;

interface UsagePlan {
  stage: string;
  rateLimit: number;
  burstLimit: number;
  quotaPerDay: number;
}

/** The usage plan's throttle and quota per stage, from serverless.yml's params (as `${param:...}` resolves them). */
export function usagePlans(): UsagePlan[] {
  const document = parseDocument(readFileSync(join(projectRoot, 'serverless.yml'), 'utf8'));
  const params = (document.toJS() as { params: Record<string, Record<string, unknown>> }).params;
  const value = (stage: string, name: string) => Number(params[stage]?.[name] ?? params.default?.[name]);
  return Object.keys(params).filter((stage) => stage === 'default' || Object.keys(params[stage] ?? {}).some((name) => name.startsWith('api'))).map((stage) => ({
    stage,
    rateLimit: value(stage, 'apiThrottleRate'),
    burstLimit: value(stage, 'apiThrottleBurst'),
    quotaPerDay: value(stage, 'apiQuotaPerDay'),
  }));
}

const n = (value: number) => value.toLocaleString('en-US');
const rate = (value: number) => (value >= 100 ? Math.floor(value).toLocaleString('en-US') : value.toFixed(1));

/** One limit and the order rate at which it binds. */
export interface Binding {
  limit: string;
  /** Orders per second at which the limit is reached. */
  ordersPerSecond: number;
  /** How the rate follows from the limit and the per-order count. */
  arithmetic: string;
  /** What happens to an order at that point. */
  atThatPoint: string;
  source: string;
}

export function bindings(counted: CountedOrders, plan: UsagePlan): Binding[] {
  const { counts } = counted;
  const confirmed: PathCounts = counts.confirmed;
  const worst = Object.values(counts).reduce((a, b) => (b.stateTransitions > a.stateTransitions ? b : a));
  const lambdaSeconds = confirmed.lambdaBilledMs.reduce((total, ms) => total + ms, 0) / 1000;
  const ordersTableWrites = confirmed.unitsByTable.OrdersTable?.write ?? 0;
  const q = QUOTAS;
  const rows: Binding[] = [
    {
      limit: `usage plan throttle, stage ${plan.stage} (serverless.yml apiThrottleRate / apiThrottleBurst, per API key)`,
      ordersPerSecond: plan.rateLimit,
      arithmetic: `${plan.rateLimit} requests/s (burst ${plan.burstLimit}) / 1 POST /orders per order; GET /orders/{orderId} polls with the same key count too`,
      atThatPoint: 'API Gateway answers 429 THROTTLED before createOrder runs: nothing started, nothing written. With this change it carries `Retry-After: 1`; the client retries with the same Idempotency-Key.',
      source: 'serverless.yml `provider.apiGateway.usagePlan`; <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html>',
    },
    {
      limit: 'StartExecution quota (Standard)',
      ordersPerSecond: q.startExecution.value / confirmed.startExecutions,
      arithmetic: `${n(q.startExecution.value)}/s refill (bucket ${n(q.startExecution.burst)}) / ${confirmed.startExecutions} StartExecution per order (a replayed POST /orders calls it again)`,
      atThatPoint: 'StartExecution fails with ThrottlingException (after the SDK\'s own retries); createOrder now answers **429 Throttled with Retry-After: 1** (it answered 503 TransientError before). No execution was started, so the order is not lost: the same Idempotency-Key starts it on the retry.',
      source: cite(q.startExecution.source),
    },
    {
      limit: 'StateTransition quota (Standard)',
      ordersPerSecond: q.stateTransition.value / confirmed.stateTransitions,
      arithmetic: `${n(q.stateTransition.value)}/s refill (bucket ${n(q.stateTransition.burst)}) / ${confirmed.stateTransitions} transitions per confirmed order (the ${worst.title} path takes ${worst.stateTransitions}: ${Math.floor(q.stateTransition.value / worst.stateTransitions)} orders/s if every order took it)`,
      atThatPoint: 'The orders are already accepted (their executions exist). AWS reports this throttling as ExecutionThrottled (serverless.yml alarms on it, executionThrottled); the sources read do not say an execution fails because of it.',
      source: cite(q.stateTransition.source),
    },
    {
      limit: 'DynamoDB Orders table, new on-demand table warm throughput',
      ordersPerSecond: q.tableWarmWrites.value / ordersTableWrites,
      arithmetic: `${n(q.tableWarmWrites.value)} WRU/s / ${ordersTableWrites} Orders-table write units per confirmed order (measured); rises by itself with sustained traffic, and can be pre-warmed`,
      atThatPoint: 'Throttled writes are retried by the SDK, then surface as TransientError, which the workflow retries (4 attempts, backoff to 8 s); past those the order is compensated and ends FAILED, the customer told. Accepted orders are never dropped.',
      source: cite(q.tableWarmWrites.source),
    },
    {
      limit: 'DynamoDB hot partition: one popular SKU (writes)',
      ordersPerSecond: q.partitionWrites.value / confirmed.inventoryWriteUnitsPerLine,
      arithmetic: `${n(q.partitionWrites.value)} WU/s on the SKU's item / ${confirmed.inventoryWriteUnitsPerLine} write units per order line (UpdateStock writes the item in a TransactWriteItems: 2 units per item below 1 KB; a release or an out-of-stock attempt costs as much) = orders per second that contain that SKU`,
      atThatPoint: 'The reservation transaction is cancelled (ThrottlingError) or conflicts with another one on the same item (TransactionConflict) well before: both become TransientError, retried by UpdateStock (4 attempts, backoff to 8 s); past those the order is compensated (payment voided) and ends FAILED, the customer told. Not lost, but not sold either: see "What this does not fix".',
      source: cite(q.partitionWrites.source),
    },
    {
      limit: 'DynamoDB hot partition: one popular SKU (reads)',
      ordersPerSecond: q.partitionReads.value / confirmed.inventoryReadUnitsPerLine,
      arithmetic: `${n(q.partitionReads.value)} RU/s / ${confirmed.inventoryReadUnitsPerLine} read units per order line (strongly consistent BatchGetItem in createOrder and in receiveOrder)`,
      atThatPoint: 'createOrder: a throttled catalog read answers 503 TransientError with Retry-After (before anything starts). receiveOrder: retried by the workflow, as above.',
      source: cite(q.partitionReads.source),
    },
    {
      limit: 'Lambda concurrency (account)',
      ordersPerSecond: q.lambdaConcurrency.value / lambdaSeconds,
      arithmetic: `${n(q.lambdaConcurrency.value)} concurrent / ${lambdaSeconds.toFixed(3)} s of Lambda time per confirmed order (the measured durations of section 3, ${confirmed.lambdaInvocations} invocations); every function can add 1,000 environments per 10 s`,
      atThatPoint: 'Workflow steps: Lambda.TooManyRequestsException, which every Lambda task retries (4 attempts, backoff to 8 s), then compensation. createOrder: API Gateway cannot invoke it and answers its INTEGRATION_FAILURE / 5XX gateway response (no Retry-After); nothing was started, the client may retry with the same key.',
      source: cite(q.lambdaConcurrency.source),
    },
    {
      limit: 'API Gateway account throttle',
      ordersPerSecond: q.apiGatewayAccount.value / confirmed.apiGatewayCalls,
      arithmetic: `${n(q.apiGatewayAccount.value)} requests/s (burst ${n(q.apiGatewayAccount.burst)}) / ${confirmed.apiGatewayCalls} API Gateway calls per order (POST /orders, and ValidatePayment's POST /payments/validate, which no usage plan throttles)`,
      atThatPoint: 'POST /orders: 429 THROTTLED with Retry-After: 1, as above. ValidatePayment: ApiGateway.429, retried by the state (4 attempts, backoff to 8 s), then compensated.',
      source: cite(q.apiGatewayAccount.source),
    },
  ];
  return rows.sort((a, b) => a.ordersPerSecond - b.ordersPerSecond);
}


export function scaleMarkdown(counted: CountedOrders): string {
  const plans = usagePlans();
  const prod = plans.find((plan) => plan.stage === 'prod') ?? plans[0]!;
  const rows = bindings(counted, prod);
  const accountOnly = rows.filter((row) => !row.limit.startsWith('usage plan'));
  const confirmed = counted.counts.confirmed;
  const open = QUOTAS.openExecutions.value;
  const expressMs = Math.max(...Object.values(counted.counts).map((c) => c.expressBilledMs ?? 0));
  return [
    `Each limit below, with the order rate at which it binds: the limit divided by what one order uses of it, the per-order counts measured in section 3 (the confirmed path unless said otherwise: ${confirmed.stateTransitions} state transitions, ${confirmed.lambdaInvocations} Lambda invocations, ${confirmed.apiGatewayCalls} API Gateway calls, ${confirmed.inventoryWriteUnitsPerLine} write units per order line on the Inventory item). Quotas are us-east-1 defaults for Standard workflows; all but the partition limits can be raised on request.`,
    '',
    `### In the order they bind (stage ${prod.stage})`,
    '',
    table(
      ['limit', 'binds at (orders/s)', 'from', 'what the service does then', 'source'],
      rows.map((row) => [row.limit, `**${rate(row.ordersPerSecond)}**`, row.arithmetic, row.atThatPoint, row.source]),
    ),
    '',
    `**First to bind:** ${rows[0]!.limit}, at ${rate(rows[0]!.ordersPerSecond)} orders/s. Without the usage plan (or with a key per client), the first account-wide limit is **${accountOnly[0]!.limit}**, at ${rate(accountOnly[0]!.ordersPerSecond)} orders/s, then ${accountOnly[1]!.limit} at ${rate(accountOnly[1]!.ordersPerSecond)}. Both answers are a 429 with Retry-After before anything is started.`,
    '',
    '### The usage plan per stage',
    '',
    table(
      ['stage', 'throttle (requests/s, burst)', 'quota (requests/day)', 'average orders/s the daily quota allows'],
      plans.map((plan) => [plan.stage === 'default' ? 'default (any other stage: staging, local)' : plan.stage, `${plan.rateLimit}, ${plan.burstLimit}`, plan.quotaPerDay.toLocaleString('en-US'), (plan.quotaPerDay / 86_400).toFixed(1)]),
    ),
    '',
    `The daily quota is a volume, not a rate: at the ${prod.stage} throttle (${prod.rateLimit}/s) a client exhausts ${prod.quotaPerDay.toLocaleString('en-US')} requests in ${Math.round(prod.quotaPerDay / prod.rateLimit / 60)} minutes, and API Gateway then answers 429 QUOTA_EXCEEDED until the period ends. That 429 has no Retry-After: the gateway response can only add a fixed header, and the wait is until the day's end, not a second.`,
    '',
    '### Not binding',
    '',
    `- Open executions (${open.toLocaleString('en-US')}, then ExecutionLimitExceeded): at the StartExecution refill (${QUOTAS.startExecution.value}/s) and the longest execution measured with its retry waits on AWS (about ${(expressMs / 1000).toFixed(1)} s), about ${Math.round((QUOTAS.startExecution.value * expressMs) / 1000).toLocaleString('en-US')} are open at once. Should it happen anyway, createOrder answers 429 with Retry-After (it answered 500 before: the error is not a throttle in the SDK's classification).`,
    `- Replays: a POST /orders whose Idempotency-Key names an execution that exists (a client retrying after a lost reply) calls DescribeExecution too, whose quota is far smaller: bucket ${QUOTAS.describeExecution.burst}, refill ${QUOTAS.describeExecution.value}/s (<${LIMITS_PAGE_URL}>, "Other quotas"). A retry storm of replays binds there, not on new orders, and gets the same 429 with Retry-After.`,
    '- Express would lift StartExecution to 6,000/s and state transitions to unlimited, but it does not keep the guarantees (section 3).',
    '',
    '### The one change: a 429 with Retry-After where the rate binds',
    '',
    '- **API Gateway\'s own throttle** (usage plan, account): API Gateway answers 429 THROTTLED, and the gateway response adds only the headers it is given. `GatewayResponseThrottled` in serverless.yml now sets `Retry-After: 1` (a static `gatewayresponse.header.Retry-After`; API Gateway developer guide, "x-amazon-apigateway-gateway-responses.gatewayResponse object": "The parameter values can take any incoming request parameter value or a static custom value"). The local API renders the same resource (local/api/apiGateway.ts), so it answers the same header. Guarded by tests/deploy/throttling.test.ts.',
    '- **StartExecution throttled** (ThrottlingException), or the open-execution limit (ExecutionLimitExceeded): createOrder answers `429 {"error":"Throttled", ...}` with `Retry-After: 1`, the same name and status as API Gateway\'s throttle. Nothing was started: the client retries with the same Idempotency-Key, which names the same execution, so the order is neither lost nor doubled. Guarded by tests/unit/functions/createOrder.test.ts.',
    '',
    '### What this does not fix',
    '',
    '- A popular SKU: every order that contains it writes the same Inventory item, in a transaction. Past about 500 such orders per second (and, with transactions on one item conflicting, earlier), reservations fail after their retries and those orders end FAILED (compensated, the customer told) instead of waiting. Admission control per SKU at POST /orders, or spreading the SKU\'s stock over several items, would be the fix; neither is done here.',
    '- Lambda throttling of createOrder reaches the client as API Gateway\'s integration failure (no Retry-After); it binds far above the other limits.',
  ].join('\n');
}

export function scaleTargets(counted: CountedOrders): BenchTarget[] {
  const plans = usagePlans();
  const prod = plans.find((plan) => plan.stage === 'prod') ?? plans[0]!;
  const rows = bindings(counted, prod);
  const first = rows[0]!;
  return [
    {
      name: 'the first limit to bind answers 429 with Retry-After before anything starts',
      met: first.limit.startsWith('usage plan') || first.limit.startsWith('StartExecution') || first.limit.startsWith('API Gateway'),
      detail: `${first.limit} at ${rate(first.ordersPerSecond)} orders/s`,
    },
  ];
}

export async function runScaleSection(options: BenchOptions, environment: MeasureEnvironment = {}): Promise<BenchSection> {
  const counted = await countPerOrder(options, environment);
  return { title: 'Scale on AWS, on paper', markdown: scaleMarkdown(counted), targets: scaleTargets(counted) };
}
