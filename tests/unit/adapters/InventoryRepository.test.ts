import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { InventoryRepository } from '../../../adapters/InventoryRepository.ts';
import { OrderStateConflict, OutOfStock, TransientError } from '../../../domain/errors.ts';
import type { Order } from '../../../domain/order.ts';
import { AT, COFFEE, FILTER, LATER, MUG, storedOrder } from '../support/fixtures.ts';
import { awsError, ddbMock, resetAwsMocks, transactionCanceled } from '../support/aws.ts';

const INVENTORY = 'inventory-test';
const ORDERS = 'orders-test';
const repo = new InventoryRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), INVENTORY, ORDERS);

/** An approved order with three lines: coffee x2, mug x1, filters x5. */
const order: Order = storedOrder('ord-1', 'PAYMENT_APPROVED', {
  items: [
    { sku: COFFEE.sku, name: COFFEE.name, quantity: 2, unitPrice: 8990, lineTotal: 17980 },
    { sku: MUG.sku, name: MUG.name, quantity: 1, unitPrice: 2500, lineTotal: 2500 },
    { sku: FILTER.sku, name: FILTER.name, quantity: 5, unitPrice: 1290, lineTotal: 6450 },
  ],
  total: 26930,
});
const lines = [
  { sku: COFFEE.sku, quantity: 2 },
  { sku: MUG.sku, quantity: 1 },
  { sku: FILTER.sku, quantity: 5 },
];

beforeEach(() => resetAwsMocks());
afterEach(() => {
  vi.useRealTimers();
});

function transactItems() {
  const calls = ddbMock.commandCalls(TransactWriteCommand);
  expect(calls).toHaveLength(1);
  return calls[0]!.args[0].input.TransactItems!;
}

describe('InventoryRepository.getProducts', () => {
  it('reads every distinct SKU in one consistent batch', async () => {
    ddbMock.on(BatchGetCommand).resolves({ Responses: { [INVENTORY]: [COFFEE, MUG] } });
    const products = await repo.getProducts([COFFEE.sku, MUG.sku, COFFEE.sku, 'UNKNOWN']);
    expect([...products.keys()]).toEqual([COFFEE.sku, MUG.sku]);
    expect(products.get(MUG.sku)).toEqual(MUG);
    expect(ddbMock).toHaveReceivedCommandExactlyOnceWith(BatchGetCommand, {
      RequestItems: { [INVENTORY]: { Keys: [{ sku: COFFEE.sku }, { sku: MUG.sku }, { sku: 'UNKNOWN' }], ConsistentRead: true } },
    });
  });

  it('asks again for UnprocessedKeys, and only for them', async () => {
    ddbMock
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { [INVENTORY]: [COFFEE] }, UnprocessedKeys: { [INVENTORY]: { Keys: [{ sku: MUG.sku }] } } })
      .resolvesOnce({ Responses: { [INVENTORY]: [MUG] } });
    const products = await repo.getProducts([COFFEE.sku, MUG.sku]);
    expect([...products.keys()].sort()).toEqual([COFFEE.sku, MUG.sku].sort());
    expect(ddbMock).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect(ddbMock).toHaveReceivedNthCommandWith(BatchGetCommand, 2, {
      RequestItems: { [INVENTORY]: { Keys: [{ sku: MUG.sku }], ConsistentRead: true } },
    });
  });

  it('gives up with TransientError after five throttled rounds', async () => {
    vi.useFakeTimers();
    ddbMock.on(BatchGetCommand).resolves({ Responses: { [INVENTORY]: [] }, UnprocessedKeys: { [INVENTORY]: { Keys: [{ sku: MUG.sku }] } } });
    const result = repo.getProducts([MUG.sku]).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(await result).toBeInstanceOf(TransientError);
    expect(ddbMock).toHaveReceivedCommandTimes(BatchGetCommand, 5);
  });

  it('is an empty map for no SKUs, without calling DynamoDB', async () => {
    await expect(repo.getProducts([])).resolves.toEqual(new Map());
    expect(ddbMock).not.toHaveReceivedAnyCommand();
  });
});

describe('InventoryRepository.reserve', () => {
  it('builds one transaction: a guarded decrement per line plus the order update', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    await expect(repo.reserve(order, LATER)).resolves.toBe('reserved');
    const items = transactItems();
    expect(items).toHaveLength(lines.length + 1);
    lines.forEach((line, i) => {
      expect(items[i]).toEqual({
        Update: {
          TableName: INVENTORY,
          Key: { sku: line.sku },
          UpdateExpression: 'SET available = available - :q',
          ConditionExpression: 'attribute_exists(sku) AND available >= :q',
          ExpressionAttributeValues: { ':q': line.quantity },
        },
      });
    });
    const orderUpdate = items[lines.length]!.Update!;
    expect(orderUpdate).toMatchObject({
      TableName: ORDERS,
      Key: { orderId: 'ord-1' },
      ConditionExpression: '#status = :approved AND attribute_not_exists(stockReservation)',
      ExpressionAttributeValues: {
        ':reserved': 'STOCK_RESERVED',
        ':approved': 'PAYMENT_APPROVED',
        ':reservation': { status: 'RESERVED', lines, at: LATER },
        ':entry': [{ status: 'STOCK_RESERVED', at: LATER }],
      },
    });
  });

  it('throws OutOfStock naming exactly the short SKUs (after checking the order holds no reservation)', async () => {
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['None', 'ConditionalCheckFailed', 'ConditionalCheckFailed', 'None']));
    ddbMock.on(GetCommand).resolves({ Item: { orderId: 'ord-1' } });
    const error = await repo.reserve(order, LATER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutOfStock);
    expect((error as OutOfStock).name).toBe('OutOfStock');
    expect((error as OutOfStock).skus).toEqual([MUG.sku, FILTER.sku]);
    expect((error as OutOfStock).message).toBe(`Out of stock: ${MUG.sku}, ${FILTER.sku}`);
    expect(ddbMock).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { TableName: ORDERS, Key: { orderId: 'ord-1' }, ConsistentRead: true });
  });

  it("answers 'already' when the order holds a reservation (a re-run), even if stock ran out since", async () => {
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['ConditionalCheckFailed', 'None', 'None', 'ConditionalCheckFailed']));
    ddbMock.on(GetCommand).resolves({ Item: { stockReservation: { status: 'RESERVED', lines, at: AT } } });
    await expect(repo.reserve(order, LATER)).resolves.toBe('already');
  });

  it('throws OrderStateConflict when only the order condition failed and nothing is reserved', async () => {
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['None', 'None', 'None', 'ConditionalCheckFailed']));
    ddbMock.on(GetCommand).resolves({ Item: { orderId: 'ord-1' } });
    const error = await repo.reserve(storedOrder('ord-1', 'RECEIVED'), LATER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderStateConflict);
  });

  it.each(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded'])(
    'a cancellation for %s is a TransientError (the workflow retries it)',
    async (code) => {
      ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['None', code, 'None', 'None']));
      const error = await repo.reserve(order, LATER).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toContain(code);
      expect(ddbMock).not.toHaveReceivedCommand(GetCommand);
    },
  );

  it('a lost race wins over a short line: retry rather than reject', async () => {
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['ConditionalCheckFailed', 'TransactionConflict', 'None', 'None']));
    await expect(repo.reserve(order, LATER)).rejects.toBeInstanceOf(TransientError);
  });

  it('passes other errors on', async () => {
    ddbMock.on(TransactWriteCommand).rejects(awsError('TransactionInProgressException', 400));
    await expect(repo.reserve(order, LATER)).rejects.toMatchObject({ name: 'TransactionInProgressException' });
  });
});

describe('InventoryRepository.release', () => {
  const reserved = storedOrder('ord-1', 'FAILED', { stockReservation: { status: 'RESERVED', lines, at: AT } });

  it('gives every reserved line back and marks the reservation RELEASED, in one transaction', async () => {
    ddbMock.on(TransactWriteCommand).resolves({});
    await expect(repo.release(reserved, LATER)).resolves.toBe('released');
    const items = transactItems();
    expect(items).toHaveLength(lines.length + 1);
    lines.forEach((line, i) =>
      expect(items[i]!.Update).toMatchObject({
        TableName: INVENTORY,
        Key: { sku: line.sku },
        UpdateExpression: 'SET available = available + :q',
        ExpressionAttributeValues: { ':q': line.quantity },
      }),
    );
    expect(items[lines.length]!.Update).toMatchObject({
      TableName: ORDERS,
      Key: { orderId: 'ord-1' },
      ConditionExpression: 'stockReservation.#status = :reserved',
    });
  });

  it("releases once: 'nothing' when an earlier attempt released it", async () => {
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['None', 'None', 'None', 'ConditionalCheckFailed']));
    await expect(repo.release(reserved, LATER)).resolves.toBe('nothing');
  });

  it.each([
    ['no reservation', storedOrder('ord-1', 'FAILED')],
    ['a released reservation', storedOrder('ord-1', 'FAILED', { stockReservation: { status: 'RELEASED', lines, at: AT } })],
  ])("'nothing' without a write for an order with %s", async (_label, o) => {
    await expect(repo.release(o, LATER)).resolves.toBe('nothing');
    expect(ddbMock).not.toHaveReceivedAnyCommand();
  });

  it('a cancellation for another reason is a TransientError', async () => {
    ddbMock.on(TransactWriteCommand).rejects(transactionCanceled(['TransactionConflict', 'None', 'None', 'None']));
    await expect(repo.release(reserved, LATER)).rejects.toBeInstanceOf(TransientError);
  });
});
