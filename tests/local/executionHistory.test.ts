import { describe, expect, it } from 'vitest';
import { formatTraceLine, HistoryBuilder, type EngineEvent } from '../../local/engine/executionHistory.ts';

const t0 = Date.parse('2026-11-24T12:00:00.000Z');
const state = (name: string, type = 'Task', extra: Record<string, unknown> = {}) => ({ name, type, input: { i: 1 }, ...extra });

describe('HistoryBuilder', () => {
  it('maps engine events to {type, state, at, input?, output?, error?} with durations', () => {
    const history = new HistoryBuilder();
    const events: EngineEvent[] = [
      { type: 'ExecutionStarted', timestamp: t0, input: { a: 1 } },
      { type: 'StateEntered', timestamp: t0 + 1, state: state('Pay') },
      { type: 'StateFailed', timestamp: t0 + 11, state: state('Pay'), Error: 'ApiGateway.503', Cause: '{"error":"TransientError"}' },
      { type: 'StateRetried', timestamp: t0 + 20, state: state('Pay'), retry: { attempt: 1 } },
      { type: 'StateFailed', timestamp: t0 + 25, state: state('Pay'), Error: 'ApiGateway.402', Cause: 'declined' },
      { type: 'StateCaught', timestamp: t0 + 26, state: state('Pay'), catch: { catcher: { Next: 'Reject' } } },
      { type: 'StateExited', timestamp: t0 + 27, state: state('Pay', 'Task', { output: { Error: 'ApiGateway.402' } }) },
      { type: 'ExecutionFailed', timestamp: t0 + 40, Error: 'OrderFailed', Cause: new Error('first error x') },
    ];
    for (const event of events) history.add(event);
    expect(history.events).toEqual([
      { type: 'ExecutionStarted', at: '2026-11-24T12:00:00.000Z', input: { a: 1 } },
      { type: 'StateEntered', state: 'Pay', stateType: 'Task', at: '2026-11-24T12:00:00.001Z', input: { i: 1 } },
      {
        type: 'StateFailed',
        state: 'Pay',
        stateType: 'Task',
        at: '2026-11-24T12:00:00.011Z',
        error: { error: 'ApiGateway.503', cause: '{"error":"TransientError"}' },
        durationMs: 10,
      },
      {
        type: 'StateRetried',
        state: 'Pay',
        stateType: 'Task',
        at: '2026-11-24T12:00:00.020Z',
        attempt: 1,
        error: { error: 'ApiGateway.503', cause: '{"error":"TransientError"}' },
      },
      // The duration of a failed attempt counts from the retry, not from the first entry.
      {
        type: 'StateFailed',
        state: 'Pay',
        stateType: 'Task',
        at: '2026-11-24T12:00:00.025Z',
        error: { error: 'ApiGateway.402', cause: 'declined' },
        durationMs: 5,
      },
      { type: 'StateCaught', state: 'Pay', stateType: 'Task', at: '2026-11-24T12:00:00.026Z', error: { error: 'ApiGateway.402', cause: 'declined' }, next: 'Reject' },
      { type: 'StateExited', state: 'Pay', stateType: 'Task', at: '2026-11-24T12:00:00.027Z', output: { Error: 'ApiGateway.402' }, durationMs: 7 },
      { type: 'ExecutionFailed', at: '2026-11-24T12:00:00.040Z', error: { error: 'OrderFailed', cause: 'first error x' }, durationMs: 40 },
    ]);
  });

  it('shows the declared type of a state the runtime rewrote (a bridged Fail state)', () => {
    const history = new HistoryBuilder(new Map([['OrderFailed', 'Fail']]));
    const entry = history.add({ type: 'StateEntered', timestamp: t0, state: state('OrderFailed', 'Task') });
    expect(entry.stateType).toBe('Fail');
  });

  it('keeps Map iterations apart', () => {
    const history = new HistoryBuilder();
    history.add({ type: 'StateEntered', timestamp: t0, state: state('Line'), index: 0 });
    history.add({ type: 'StateEntered', timestamp: t0 + 5, state: state('Line'), index: 1 });
    const exited = history.add({ type: 'StateExited', timestamp: t0 + 9, state: state('Line'), index: 0 });
    expect(exited).toMatchObject({ index: 0, durationMs: 9 });
  });
});

describe('formatTraceLine', () => {
  it('prints time, execution name, state, event and duration or error', () => {
    const line = formatTraceLine('order-1', {
      type: 'StateCaught',
      state: 'ValidatePayment',
      at: '2026-11-24T12:00:00.026Z',
      error: { error: 'ApiGateway.402' },
      next: 'RejectOrder',
    });
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.026  order-1  ValidatePayment\s+caught\s+ApiGateway\.402  -> RejectOrder$/);
    expect(formatTraceLine('order-1', { type: 'ExecutionSucceeded', at: '2026-11-24T12:00:00.300Z', durationMs: 300 })).toMatch(
      /order-1  \(execution\)\s+SUCCEEDED 300 ms$/,
    );
  });
});
