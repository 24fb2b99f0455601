// The reconciler's timer inside `npm start` (local/stack/reconcilerTimer.ts), over a stand-in Lambda runtime: it
// invokes the `reconcile` function with an EventBridge scheduled event (Lambda developer guide, "Invoke a Lambda
// function on a schedule": detail-type "Scheduled Event", source "aws.events", `time` in whole seconds, the rule's
// ARN in `resources`), never two runs at once, says what a run found, and stops cleanly.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeReconcileRun, scheduledEvent, startReconcilerTimer, type ReconcilerHost } from '../../../local/stack/reconcilerTimer.ts';
import { emptyReport } from '../../../services/reconciler.ts';

const empty = emptyReport;

function host(invoke: (key: string, event: unknown) => Promise<unknown>, functions = ['reconcile']): ReconcilerHost {
  return {
    lambda: { invoke, functions: new Map(functions.map((key) => [key, {} as never])) },
    resolver: { region: 'us-east-1', accountId: '000000000000', service: 'order-pipeline', stage: 'local' },
    config: {
      service: 'order-pipeline',
      provider: { name: 'aws', stage: 'local' },
      functions: { reconcile: { handler: 'functions/reconcile/handler.handler', events: [{ schedule: { name: 'order-pipeline-local-reconcile', rate: ['rate(5 minutes)'] } }] } },
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date('2026-11-24T12:00:00.250Z'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the reconciler timer', () => {
  it('invokes reconcile every interval with a scheduled event that says the interval', async () => {
    const events: Array<Record<string, any>> = [];
    const timer = startReconcilerTimer(host(async (key, event) => (events.push({ key, ...(event as object) }), empty())), { intervalMs: 60_000 });
    await vi.advanceTimersByTimeAsync(59_000);
    expect(events).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      key: 'reconcile',
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      region: 'us-east-1',
      time: '2026-11-24T12:01:00Z',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/order-pipeline-local-reconcile'],
      detail: { intervalSeconds: 60 },
    });
    expect(timer.runs).toBe(2);
    await timer.stop();
  });

  it('skips a tick while a run is still going, and stop() waits for that run', async () => {
    let finish!: () => void;
    let calls = 0;
    const timer = startReconcilerTimer(
      host(() => {
        calls += 1;
        return new Promise((resolve) => (finish = () => resolve(empty())));
      }),
      { intervalMs: 1_000 },
    );
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toBe(1);
    let stopped = false;
    const stopping = timer.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toBe(1);
  });

  it('says what a run found, nothing for a run that found nothing, and a failed run as a warning', async () => {
    const log: string[] = [];
    const warn: string[] = [];
    const found = { ...empty(), redriven: [{ orderId: 'ord-1' } as never], stuckOrders: [{ orderId: 'ord-2' } as never] };
    const answers: Array<() => Promise<unknown>> = [
      async () => empty(),
      async () => found,
      async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ReconcileIncomplete' });
      },
    ];
    const timer = startReconcilerTimer(host(() => answers.shift()!()), { intervalMs: 1_000, log: (l) => log.push(l), warn: (w) => warn.push(w) });
    await timer.runNow();
    expect(log).toEqual([]);
    expect(await timer.runNow()).toBe(found);
    expect(log).toEqual([`reconcile  ${describeReconcileRun(found)}`]);
    expect(log[0]).toContain('redriven: 1 (ord-1)');
    expect(log[0]).toContain('stuck orders: 1 (ord-2)');
    expect(await timer.runNow()).toBeUndefined();
    expect(warn).toEqual(['reconcile run failed: ReconcileIncomplete: Rate exceeded']);
    expect(timer.lastReport).toBe(found);
    await timer.stop();
  });

  it('refuses a stack without the reconcile function, and an interval of 0', () => {
    expect(() => startReconcilerTimer(host(async () => empty(), ['other']), { intervalMs: 1_000 })).toThrow('serverless.yml has no function "reconcile"');
    expect(() => startReconcilerTimer(host(async () => empty()), { intervalMs: 0 })).toThrow('above 0 ms');
  });

  it('writes the scheduled time in whole seconds, as EventBridge does', () => {
    const event = scheduledEvent(new Date('2026-11-24T12:00:00.999Z'), { region: 'us-east-1', accountId: '000000000000', ruleName: 'r' });
    expect(event.time).toBe('2026-11-24T12:00:00Z');
    expect(event.detail).toEqual({});
  });
});
