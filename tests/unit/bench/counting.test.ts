// The counting rules the cost section applies where DynamoDB Local and the history cannot say it by themselves.
// Item sizes: DynamoDB developer guide, "DynamoDB item sizes and formats" (names and strings in UTF-8 bytes, a
// number 1 byte per two significant digits plus 1, null/boolean 1 byte, a list or map 3 bytes plus 1 per element).
// Write units: 1 KB each, rounded up ("DynamoDB read and write operations"). Retries: each is billed as a state
// transition (https://aws.amazon.com/step-functions/pricing/); the wait before the n-th retry is IntervalSeconds x
// BackoffRate^(n-1), capped at MaxDelaySeconds, and FULL jitter waits a random time up to it (Step Functions
// developer guide, "Handling errors in Step Functions workflows", Retry fields).
import { describe, expect, it } from 'vitest';
import { itemSizeBytes, writeUnitsFor } from '../../../bench/cost/dynamodbMeter.ts';
import { transitionsOf } from '../../../bench/cost/measure.ts';
import type { HistoryEvent } from '../../../local/engine/executionHistory.ts';

describe('itemSizeBytes', () => {
  it('adds attribute names and values in UTF-8 bytes', () => {
    expect(itemSizeBytes({ id: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSizeBytes({ name: { S: 'café' } })).toBe(4 + 5); // é is 2 bytes
  });

  it('sizes a number by its significant digits: 1 byte per two, plus 1', () => {
    expect(itemSizeBytes({ n: { N: '5' } })).toBe(1 + 2);
    expect(itemSizeBytes({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemSizeBytes({ n: { N: '-0.00120' } })).toBe(1 + 2); // leading and trailing zeroes trimmed: "12"
  });

  it('gives null and booleans 1 byte, lists and maps 3 bytes plus 1 per element', () => {
    expect(itemSizeBytes({ ok: { BOOL: true }, x: { NULL: true } })).toBe(2 + 1 + 1 + 1);
    expect(itemSizeBytes({ l: { L: [{ S: 'ab' }, { S: 'c' }] } })).toBe(1 + 3 + (1 + 2) + (1 + 1));
    expect(itemSizeBytes({ m: { M: { k: { S: 'v' } } } })).toBe(1 + 3 + (1 + 1 + 1));
    expect(itemSizeBytes({ e: { L: [] } })).toBe(1 + 3);
  });

  it('rounds write units up to the next 1 KB, at least 1', () => {
    expect([0, 1, 1024, 1025, 2048, 2049].map(writeUnitsFor)).toEqual([1, 1, 1, 2, 2, 3]);
  });
});

describe('transitionsOf', () => {
  let id = 0;
  const event = (type: string, details: Record<string, unknown> = {}): HistoryEvent => {
    id += 1;
    const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
    const detailsKey = type.endsWith('StateEntered') ? 'stateEnteredEventDetails' : key;
    return { id, previousEventId: id - 1, timestamp: new Date(0).toISOString(), type, [detailsKey]: details };
  };
  const retry = [{ ErrorEquals: ['TransientError'], IntervalSeconds: 1, BackoffRate: 2, MaxDelaySeconds: 3, JitterStrategy: 'FULL' }];

  it('counts states entered plus every attempt after the first, and their expected waits', () => {
    const history = [
      event('ExecutionStarted'),
      event('TaskStateEntered', { name: 'A' }),
      ...[1, 2, 3].flatMap(() => [event('TaskScheduled'), event('TaskStarted'), event('TaskFailed', { error: 'TransientError' })]),
      event('TaskScheduled'),
      event('TaskSucceeded'),
      event('TaskStateExited', { name: 'A' }),
      event('ChoiceStateEntered', { name: 'B' }),
      event('ChoiceStateExited', { name: 'B' }),
      event('SucceedStateEntered', { name: 'C' }),
      event('ExecutionSucceeded'),
    ];
    const counted = transitionsOf(history, { A: { Retry: retry } });
    expect(counted.entered).toEqual(['A', 'B', 'C']);
    expect(counted.retries).toBe(3);
    // Caps 1, 2, then min(4, 3) = 3 seconds; FULL jitter waits half of each on average.
    expect(counted.expectedRetryWaitMs).toBe(((1 + 2 + 3) / 2) * 1000);
  });

  it('starts the count afresh when a state is entered again (a redrive)', () => {
    const history = [
      event('TaskStateEntered', { name: 'A' }),
      event('TaskScheduled'),
      event('TaskFailed', { error: 'TransientError' }),
      event('TaskScheduled'),
      event('TaskFailed', { error: 'TransientError' }),
      event('ExecutionFailed'),
      event('ExecutionRedriven'),
      event('TaskStateEntered', { name: 'A' }),
      event('TaskScheduled'),
      event('TaskSucceeded'),
    ];
    const counted = transitionsOf(history, { A: { Retry: retry } });
    expect(counted.entered).toEqual(['A', 'A']);
    expect(counted.retries).toBe(1);
    expect(counted.expectedRetryWaitMs).toBe(500);
  });
});
