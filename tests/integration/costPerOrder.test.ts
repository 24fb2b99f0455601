// The cost and scale sections of `npm run bench` (bench/cost.ts, bench/scale.ts) in their quick run, on the run's
// shared DynamoDB Local: one real order per path, counted. The expected counts come from the definition's paths and
// from AWS's billing rules, worked out by hand here:
// - Step Functions bills "a state transition each time a step of your workflow is executed ... including retries"
//   (https://aws.amazon.com/step-functions/pricing/).
// - DynamoDB: a strongly consistent read of an item up to 4 KB is one read unit, each item of a batch rounded on its
//   own; a transaction costs two units per item, "one to prepare the transaction and one to commit" - three
//   500-byte items, six write units (developer guide, "DynamoDB read and write operations", "Capacity management
//   for transactions").
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { countPerOrder, runCostSection, standardCost, type CountedOrders } from '../../bench/cost.ts';
import { bindings, runScaleSection, usagePlans } from '../../bench/scale.ts';
import type { BenchSection } from '../../bench/section.ts';
import { cachedConfig } from '../support/localStack.ts';

const environment = () => ({ dynamodbEndpoint: inject('dynamodbEndpoint'), config: cachedConfig() });

let counted: CountedOrders;
let cost: BenchSection;
let scale: BenchSection;

beforeAll(async () => {
  cost = await runCostSection({ quick: true }, environment());
  scale = await runScaleSection({ quick: true }, environment());
  counted = await countPerOrder({ quick: true }, environment());
});

describe('cost per order, counted from real executions', () => {
  it('measures once for both sections (the scale section reads the cost run)', () => {
    expect(counted.measurement.ordersPerPath).toBe(1);
    expect(cost.title).toBe('Cost per order on AWS');
    expect(scale.title).toBe('Scale on AWS, on paper');
  });

  it('counts the confirmed path: 4 state transitions, 5 invocations, 2 API Gateway calls, 1 publish', () => {
    const c = counted.counts.confirmed;
    expect(c.outcome).toBe('SUCCEEDED / CONFIRMED');
    expect(c.statesEntered).toEqual(['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'SendConfirmation']);
    expect(c.stateTransitions).toBe(4);
    expect(c.lambdaSequence).toEqual(['createOrder', 'receiveOrder', 'validatePayment', 'reserveStock', 'sendConfirmation']);
    expect(c.apiGatewayCalls).toBe(2);
    expect(counted.measurement.runs.confirmed[0]!.api.map((call) => `${call.method} ${call.path} ${call.status}`).sort()).toEqual(['POST /orders 202', 'POST /payments/validate 200']);
    expect(c.snsPublishes).toBe(1);
    expect(c.snsEmailDeliveries).toBe(1);
    expect(c.startExecutions).toBe(1);
    expect(cost.targets.find((target) => target.name.startsWith('confirmed path'))).toMatchObject({ met: true });
  });

  it('counts DynamoDB units by AWS rules: two strongly consistent catalog reads, a three-item transaction at six', () => {
    const calls = counted.measurement.runs.confirmed[0]!.dynamodb;
    const catalog = calls.find((call) => call.caller === 'createOrder' && call.operation === 'BatchGetItem');
    expect(catalog).toMatchObject({ readUnits: 2, writeUnits: 0 }); // two SKUs, 1 unit each
    const reserve = calls.find((call) => call.caller === 'reserveStock' && call.operation === 'TransactWriteItems');
    expect(reserve).toMatchObject({ readUnits: 0, writeUnits: 6, source: 'rules' }); // 2 stock items + the order, 2 each
    expect(counted.counts.confirmed.inventoryWriteUnitsPerLine).toBe(2);
    // No direct dynamodb task runs on this path, and the bench's own read of the order's status is not the order's.
    expect(calls.filter((call) => call.caller === 'state machine')).toEqual([]);
  });

  it('counts each retry as one more transition, and both runs of a redriven order', () => {
    const failed = counted.counts.failed;
    expect(failed.outcome).toBe('FAILED / FAILED');
    // SendConfirmation: the first attempt and 4 retries (MaxAttempts 4), all failing; then the compensation.
    expect(failed.retries).toBe(4);
    expect(failed.statesEntered).toEqual(['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'SendConfirmation', 'RecordConfirmationFailure', 'ReleaseStock', 'VoidPayment', 'RejectOrFail', 'MarkFailed', 'NotifyFailure', 'OrderFailed']);
    expect(failed.stateTransitions).toBe(15);
    const redriven = counted.counts.redriven;
    // ReleaseStock entered twice (the first run stops there; the redrive re-enters it), 4 more retries there.
    expect(redriven.statesEntered.filter((state) => state === 'ReleaseStock')).toHaveLength(2);
    expect(redriven.retries).toBe(8);
    expect(counted.measurement.runs.redriven[0]!.redrives).toBe(1);
    expect(redriven.expressBilledMs).toBeUndefined();
  });

  it('counts a cancelled reservation (out of stock) and the voided payment', () => {
    const c = counted.counts.outOfStock;
    expect(c.outcome).toBe('SUCCEEDED / REJECTED');
    expect(c.statesEntered).toEqual(['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'VoidPayment', 'RejectOrFail', 'RejectOrder']);
    const cancelled = counted.measurement.runs.outOfStock[0]!.dynamodb.find((call) => call.operation === 'TransactWriteItems');
    expect(cancelled).toMatchObject({ error: 'TransactionCanceledException', writeUnits: 6 });
  });

  it('prices Step Functions at $25 per million transitions: $100 per million confirmed orders', () => {
    expect(standardCost(counted.counts.confirmed).stepFunctions * 1_000_000).toBeCloseTo(100, 6);
    expect(cost.markdown).toContain('| confirmed | $100.00 |');
  });
});

describe('scale, on paper', () => {
  it('binds StartExecution at 300 orders/s and state transitions at 1,500 / 4 = 375, in that order', () => {
    const prod = usagePlans().find((plan) => plan.stage === 'prod')!;
    const rows = bindings(counted, prod);
    const rateOf = (prefix: string) => rows.find((row) => row.limit.startsWith(prefix))!.ordersPerSecond;
    expect(rateOf('StartExecution')).toBe(300);
    expect(rateOf('StateTransition')).toBe(375);
    expect(rateOf('API Gateway account')).toBe(5000);
    expect(rateOf('DynamoDB hot partition: one popular SKU (writes)')).toBe(500);
    expect(rows.map((row) => row.ordersPerSecond)).toEqual([...rows.map((row) => row.ordersPerSecond)].sort((a, b) => a - b));
    expect(scale.targets[0]).toMatchObject({ met: true });
  });
});
