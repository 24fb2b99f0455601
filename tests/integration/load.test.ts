// The load run of `npm run load`, smaller and in-process: 300 orders, 16 at a time, with about 5% of the adapter
// calls failing through FAULTS (count-based entries on every adapter). Every accepted order must reach a final
// status and guarantees 1-4 must hold. Then a run with one outage: payments down for the first 8 s (long enough to cover both an order's ValidatePayment and
// its VoidPayment on a loaded machine too, where compensation Lambdas start cold and lag by seconds), so orders meanwhile
// fail into compensation and VoidPayment fails their executions at that step; once payments are back the reconciler
// redrives them and the guarantees hold.
import { describe, expect, it } from 'vitest';
import { FINAL_STATUSES } from '../../domain/order.ts';
import { FAULT_ADAPTERS } from '../../lib/faults.ts';
import { describeResult, parseOutages, runLoad, type LoadResult } from '../../local/commands/load.ts';
import { localStackOptions } from '../support/localStack.ts';

// Roughly 13 adapter calls per order (orders ~7.5, inventory ~3.3, payments ~1.5, sns ~1): 300 orders make about
// 4000 calls, so these 200 faults are about 5%, in proportion to each adapter's calls.
const FAULTS = 'payments:TransientError:23,inventory:ProvisionedThroughputExceededException:50,orders:ThrottlingException:110,sns:InternalErrorException:17';

describe('load run: 300 orders, concurrency 16, ~5% injected faults', () => {
  let result: LoadResult;

  it('accepts every order and injects about 5% faults over all four adapters', async () => {
    result = await runLoad({ orders: 300, concurrency: 16, faults: FAULTS, retryMs: 10, stack: localStackOptions() });
    expect(result.orders).toBe(300);
    const calls = FAULT_ADAPTERS.reduce((n, adapter) => n + result.faults.calls[adapter]!, 0);
    const injected = FAULT_ADAPTERS.reduce((n, adapter) => n + result.faults.injected[adapter]!, 0);
    for (const adapter of FAULT_ADAPTERS) expect(result.faults.injected[adapter], adapter).toBeGreaterThan(0);
    expect(injected).toBe(200); // every count-based fault was used up
    expect(injected / calls).toBeGreaterThan(0.03);
    expect(injected / calls).toBeLessThan(0.08);
    // A request whose first answer was 503 (an injected inventory fault in POST /orders) was retried and accepted.
    expect(result.httpStatuses['503'] ?? 0).toBeGreaterThan(0);
    expect(result.httpStatuses['500'] ?? 0).toBe(0);
    expect(result.httpStatuses['502'] ?? 0).toBe(0);
  }, 60_000);

  it('ends with 0 violations of guarantees 1-4 and no problem seen by the run', () => {
    expect(result.violations, describeResult(result)).toEqual([]);
    expect(result.problems, describeResult(result)).toEqual([]);
    expect(result.summary).toMatch(/^300 orders, \d+\.\d s, \d+\.\d orders\/s, 0 violations$/);
  });

  it('brings every accepted order to a final status, through every kind of ending', () => {
    const finals = Object.entries(result.outcomes).reduce((n, [label, count]) => (FINAL_STATUSES.some((s) => label.startsWith(s)) ? n + count : n), 0);
    expect(finals).toBe(300);
    expect(result.report.counts.RECEIVED + result.report.counts.PAYMENT_APPROVED + result.report.counts.STOCK_RESERVED).toBe(0);
    expect(result.report.executions?.RUNNING ?? 0).toBe(0);
    // The mix reaches every ending: confirmed, declined, out of stock (scarce SKUs), failed (processing errors).
    expect(result.outcomes.CONFIRMED).toBeGreaterThan(100);
    expect(result.outcomes['REJECTED/PAYMENT_DECLINED']).toBeGreaterThan(0);
    expect(result.outcomes['REJECTED/OUT_OF_STOCK']).toBeGreaterThan(0);
    expect(result.outcomes.FAILED).toBeGreaterThan(0);
    // Repeated keys gave the same order; the same key with another body was refused.
    expect(result.requests).toBeGreaterThan(300);
    expect(result.httpStatuses['409']).toBeGreaterThan(0);
  });

  it('sells the scarce SKUs down to zero at most, never below', () => {
    expect(result.catalog.scarce.length).toBeGreaterThan(0);
    expect(result.report.violations.filter((v) => v.guarantee === 2)).toEqual([]);
  });
});

describe('load run with an outage: 80 orders, concurrency 8, payments down until every execution has stopped', () => {
  let result: LoadResult;

  it('fails the orders of the outage into compensation, and the reconciler redrives the executions stopped in it', async () => {
    // Down until the executions have stopped (not for a fixed time): every order meets the outage at ValidatePayment
    // and again in its compensation's VoidPayment, however fast or loaded the machine is.
    result = await runLoad({ orders: 80, concurrency: 8, outages: 'payments:settled@0s', retryMs: 0, stack: localStackOptions() });
    expect(result.outages).toEqual([{ adapter: 'payments', errorName: 'TransientError', startMs: 0, durationMs: Infinity, fromSeconds: 0, toSeconds: expect.any(Number) }]);
    expect(result.outages[0]!.toSeconds).toBeGreaterThan(0);
    expect(result.faults.injected.payments).toBeGreaterThan(0);
    // Orders placed while payments were down: ValidatePayment gave up, VoidPayment could not ask the provider.
    expect(result.reconciler.redriven).toBeGreaterThan(0);
    expect(result.reconciler.runs).toBeGreaterThan(1); // the last run found nothing left
    expect(result.reconciler).toMatchObject({ pastCap: 0, failedOutsideCompensation: 0, notRedrivable: 0, errors: 0 });
    expect(describeResult(result)).toContain(`reconciler: ${result.reconciler.runs} runs, ${result.reconciler.redriven} redrives`);
    expect(describeResult(result)).toContain(`outages: payments down 0-${result.outages[0]!.toSeconds} s (TransientError)`);
  }, 60_000);

  it('ends with every order final and 0 violations', () => {
    expect(result.violations, describeResult(result)).toEqual([]);
    expect(result.problems, describeResult(result)).toEqual([]);
    expect(result.orders).toBe(80);
    expect(result.report.executions?.RUNNING ?? 0).toBe(0);
    expect(result.report.counts.RECEIVED + result.report.counts.PAYMENT_APPROVED + result.report.counts.STOCK_RESERVED).toBe(0);
    expect(result.outcomes.FAILED).toBeGreaterThanOrEqual(result.reconciler.redriven);
    expect(result.summary).toMatch(/^80 orders, \d+\.\d s, \d+\.\d orders\/s, 0 violations$/);
  });
});

describe('load run as npm run bench makes it: confirmed orders, closed loop, a warm-up, pauses', () => {
  it('keeps `concurrency` orders in flight end to end, pauses with every execution stopped, and leaves warm-up and pauses off the clock', async () => {
    const PAUSE_MS = 300;
    const pauses: Array<{ running: number; accepted: number }> = [];
    const sent: number[] = [];
    let inFlightMax = 0;
    let stackOf: (() => number) | undefined;
    let measuredFrom = 0;
    const result = await runLoad({
      orders: 8,
      warmupOrders: 2,
      concurrency: 3,
      mix: 'confirmed',
      closedLoop: true,
      retryMs: 0,
      stack: localStackOptions(),
      onMeasuredPhase: (phase) => {
        if (phase === 'start') measuredFrom = Date.now();
      },
      onNewOrder: (index) => {
        sent.push(index);
        if (stackOf) inFlightMax = Math.max(inFlightMax, stackOf());
      },
      pauses: {
        everyOrders: 4,
        during: async (stack) => {
          stackOf = () => stack.executions.list().filter((record) => record.status === 'RUNNING').length;
          pauses.push({ running: stackOf(), accepted: stack.executions.list().length });
          await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
        },
      },
    });
    const wallSeconds = (Date.now() - measuredFrom) / 1000;
    expect(result.violations, describeResult(result)).toEqual([]);
    expect(result.problems, describeResult(result)).toEqual([]);
    expect(result).toMatchObject({ orders: 8, warmupOrders: 2, outcomes: { CONFIRMED: 10 }, httpStatuses: { '202': 10 } });
    expect(result.latencyMs.count).toBe(8);
    expect(result.latencyMs.p50).toBeGreaterThan(0);
    expect(result.latencyMs.p99).toBeGreaterThanOrEqual(result.latencyMs.p50);
    // After 4 measured orders (the last 4 need none), with the warm-up's 2 and the orders so far all stopped.
    expect(pauses).toEqual([{ running: 0, accepted: 6 }]);
    expect(sent.sort((a, b) => a - b)).toEqual([...Array(8).keys()]);
    // Closed loop: a client sends its next order once its last one stopped, so at most 3 (the one about to go excluded).
    expect(inFlightMax).toBeLessThanOrEqual(2);
    expect(result.seconds).toBeLessThan(wallSeconds - PAUSE_MS / 1000 + 0.05);
  }, 60_000);
});

describe('--outage syntax', () => {
  it('reads adapter[:ErrorName]:DURATION@START, comma-separated', () => {
    expect(parseOutages('payments:settled@1s')).toEqual([{ adapter: 'payments', errorName: 'TransientError', startMs: 1000, durationMs: Infinity }]);
    expect(parseOutages('payments:20s@5s, inventory:ProvisionedThroughputExceededException:1500ms@0s')).toEqual([
      { adapter: 'payments', errorName: 'TransientError', startMs: 5000, durationMs: 20000 },
      { adapter: 'inventory', errorName: 'ProvisionedThroughputExceededException', startMs: 0, durationMs: 1500 },
    ]);
  });

  it.each([
    ['bank:20s@5s', 'adapter must be one of payments, inventory, orders, sns'],
    ['payments', 'it needs two or three parts'],
    ['payments:20s', '"20s" is not DURATION@START'],
    ['payments:20@5s', '"20@5s" is not DURATION@START'],
    ['payments:0s@5s', 'the duration must be above 0'],
    ['payments:Bad Name:2s@1s', 'the error name must be an identifier'],
  ])('refuses "%s" naming it (%s)', (entry, why) => {
    expect(() => parseOutages(entry)).toThrow(`--outage: bad entry "${entry}": ${why}`);
  });
});
