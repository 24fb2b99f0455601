// The pure parts of bench section 2 (bench/throughput.ts): the floor's fresh identifiers, the profile's buckets and
// window, and the latency percentiles.
import { describe, expect, it } from 'vitest';
import { latencySummary } from '../../../local/commands/load.ts';
import { bucketOf, profileBreakdown } from '../../../bench/throughput/cpuProfile.ts';
import { freshIdentifiers } from '../../../bench/throughput/floorReplay.ts';
import { errorCodeOf, tablesOf } from '../../../bench/throughput/dynamodbRecorder.ts';

const ORDER_ID = '6fa44485-1f61-4ebc-b867-96efac1eef42';
const AUTH_ID = 'auth_ae8e3600151252105d839cb0';

describe('the floor replays a recorded order with fresh identifiers', () => {
  const recorded = [
    JSON.stringify({ TableName: 'orders', Item: { orderId: { S: ORDER_ID }, createdAt: { S: '2026-12-01T21:07:17.287Z' }, sku: { S: 'LOAD-2' } } }),
    JSON.stringify({ TableName: 'payments', Item: { authorizationId: { S: AUTH_ID }, orderId: { S: ORDER_ID } } }),
    JSON.stringify({ TransactItems: [], ClientRequestToken: '84539e25-1e51-4f6b-8b6f-2b77f9329f69' }),
  ];

  it('replaces every UUID and hex id, the same one the same way in every request of the order', () => {
    const [put, payment, transaction] = freshIdentifiers(recorded).map((body) => JSON.parse(body));
    expect(put.Item.orderId.S).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(put.Item.orderId.S).not.toBe(ORDER_ID);
    expect(payment.Item.orderId.S).toBe(put.Item.orderId.S);
    expect(payment.Item.authorizationId.S).toMatch(/^auth_[0-9a-f]{24}$/);
    expect(payment.Item.authorizationId.S).not.toBe(AUTH_ID);
    expect(transaction.ClientRequestToken).not.toBe('84539e25-1e51-4f6b-8b6f-2b77f9329f69');
    expect(transaction.ClientRequestToken).not.toBe(put.Item.orderId.S);
  });

  it('keeps everything else as recorded, and gives each replayed order its own ids', () => {
    const [first] = freshIdentifiers(recorded).map((body) => JSON.parse(body));
    const [second] = freshIdentifiers(recorded).map((body) => JSON.parse(body));
    expect(first.Item.createdAt.S).toBe('2026-12-01T21:07:17.287Z');
    expect(first.Item.sku.S).toBe('LOAD-2');
    expect(first.Item.orderId.S).not.toBe(second.Item.orderId.S);
  });

  it('reads the tables a request names and the code of an error answer', () => {
    expect(tablesOf(recorded[0]!)).toEqual(['orders']);
    expect(tablesOf(JSON.stringify({ RequestItems: { inventory: {} } }))).toEqual(['inventory']);
    expect(tablesOf(JSON.stringify({ TransactItems: [{ Update: { TableName: 'inventory' } }, { Put: { TableName: 'orders' } }] }))).toEqual(['inventory', 'orders']);
    expect(errorCodeOf('{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"x"}')).toBe('ConditionalCheckFailedException');
    expect(errorCodeOf('not json')).toBeUndefined();
  });
});

describe("the profile's buckets", () => {
  it('puts each URL where it belongs; builtins and generic Node internals count for their caller', () => {
    const root = new URL('../../../', import.meta.url).href;
    expect(bucketOf(`${root}node_modules/aws-local-stepfunctions/build/main.node.esm.js`, 'run')).toBe('engine');
    expect(bucketOf(`${root}local/engine/executionHistory.ts`, 'push')).toBe('engine');
    expect(bucketOf(`${root}functions/receiveOrder/handler.ts`, 'handler')).toBe('handlers');
    expect(bucketOf(`${root}node_modules/@smithy/core/dist-cjs/index.js`, 'send')).toBe('SDK');
    expect(bucketOf('node:_http_client', 'ClientRequest')).toBe('HTTP');
    expect(bucketOf(`${root}local/api/apiGateway.ts`, 'handle')).toBe('HTTP');
    expect(bucketOf('node:internal/deps/undici/undici', 'fetch')).toBe('load client');
    expect(bucketOf('', '(garbage collector)')).toBe('GC');
    expect(bucketOf('node:internal/async_hooks', 'emitHook')).toBe('handlers: promise hooks');
    expect(bucketOf('', 'JSON.parse')).toBeUndefined();
    expect(bucketOf('node:events', 'emit')).toBeUndefined();
  });

  it('sums self time per bucket inside the window only, idle left out', () => {
    const handler = new URL('../../../functions/receiveOrder/handler.ts', import.meta.url).href;
    const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 4, 5] },
        { id: 2, callFrame: frame('handler', handler), children: [3] },
        { id: 3, callFrame: frame('parse'), children: [] },
        { id: 4, callFrame: frame('(idle)'), children: [] },
        { id: 5, callFrame: frame('(garbage collector)'), children: [] },
      ],
      startTime: 1000,
      endTime: 2000,
      // times 1100, 1200, ..., 1600: handler, parse (its caller's), idle, GC, handler (past the window), parse
      samples: [2, 3, 4, 5, 2, 3],
      timeDeltas: [100, 100, 100, 100, 100, 100],
    };
    const inWindow = profileBreakdown(profile, 1000, 1450);
    expect(inWindow.handlers).toBe(200);
    expect(inWindow.GC).toBe(100);
    expect(Object.values(inWindow).reduce((a, b) => a + b, 0)).toBe(300);
    expect(profileBreakdown(profile).handlers).toBe(400);
  });
});

describe('latency percentiles', () => {
  it('are nearest-rank over the values', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    expect(latencySummary(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(latencySummary([7])).toEqual({ count: 1, p50: 7, p95: 7, p99: 7, max: 7 });
    expect(latencySummary([])).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});
