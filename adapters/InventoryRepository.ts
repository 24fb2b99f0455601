// The catalog and its stock. Reserving and releasing are single transactions across Inventory and the
// order record, so stock never moves without the order saying so, and a retry is a no-op.
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OrderStateConflict, OutOfStock, TransientError } from '../domain/errors.ts';
import type { Order, Product } from '../domain/order.ts';

const MAX_BATCH_ROUNDS = 5;

export class InventoryRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly inventoryTable: string,
    private readonly ordersTable: string,
  ) {}

  /** The products for these SKUs (unknown SKUs are simply absent). */
  async getProducts(skus: readonly string[]): Promise<Map<string, Product>> {
    const products = new Map<string, Product>();
    let keys: Record<string, unknown>[] = [...new Set(skus)].map((sku) => ({ sku }));
    for (let round = 0; keys.length > 0; round++) {
      if (round === MAX_BATCH_ROUNDS) throw new TransientError('Inventory lookups were throttled; try again');
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 2 ** round * 20));
      const result = await this.db.send(
        new BatchGetCommand({ RequestItems: { [this.inventoryTable]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of result.Responses?.[this.inventoryTable] ?? []) products.set(item.sku as string, item as Product);
      keys = (result.UnprocessedKeys?.[this.inventoryTable]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
    return products;
  }

  /**
   * Takes every line's quantity off `available` (never below zero) and moves the order PAYMENT_APPROVED ->
   * STOCK_RESERVED with its reservation, all or nothing. Throws OutOfStock naming the short SKUs.
   */
  async reserve(order: Order, now: string): Promise<'reserved' | 'already'> {
    const lines = (order.items ?? []).map(({ sku, quantity }) => ({ sku, quantity }));
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            ...lines.map((line) => ({
              Update: {
                TableName: this.inventoryTable,
                Key: { sku: line.sku },
                UpdateExpression: 'SET available = available - :q',
                ConditionExpression: 'attribute_exists(sku) AND available >= :q',
                ExpressionAttributeValues: { ':q': line.quantity },
              },
            })),
            {
              Update: {
                TableName: this.ordersTable,
                Key: { orderId: order.orderId },
                UpdateExpression:
                  'SET #status = :reserved, stockReservation = :reservation, updatedAt = :now, #history = list_append(#history, :entry)',
                ConditionExpression: '#status = :approved AND attribute_not_exists(stockReservation)',
                ExpressionAttributeNames: { '#status': 'status', '#history': 'history' },
                ExpressionAttributeValues: {
                  ':reserved': 'STOCK_RESERVED',
                  ':approved': 'PAYMENT_APPROVED',
                  ':reservation': { status: 'RESERVED', lines, at: now },
                  ':now': now,
                  ':entry': [{ status: 'STOCK_RESERVED', at: now }],
                },
              },
            },
          ],
        }),
      );
      return 'reserved';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const codes = reasons.map((r) => r.Code ?? 'None');
      if (codes.some((c) => c === 'TransactionConflict' || c === 'ThrottlingError' || c === 'ProvisionedThroughputExceeded')) {
        throw new TransientError(`Stock reservation for ${order.orderId} lost a race (${codes.join(', ')}); try again`, undefined, { cause: error });
      }
      // Whatever failed, a reservation already on the order means this is a re-run: stock was taken once.
      if (codes.includes('ConditionalCheckFailed') && (await this.isReserved(order.orderId))) return 'already';
      const short = lines.filter((_, i) => codes[i] === 'ConditionalCheckFailed').map((l) => l.sku);
      if (short.length > 0) throw new OutOfStock(short);
      throw new OrderStateConflict(`Order ${order.orderId} cannot reserve stock (${codes.join(', ')})`, undefined, { cause: error });
    }
  }

  /** Puts a reservation's stock back, once. 'nothing' when there is no reservation held. */
  async release(order: Order, now: string): Promise<'released' | 'nothing'> {
    const reservation = order.stockReservation;
    if (reservation?.status !== 'RESERVED') return 'nothing';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            ...reservation.lines.map((line) => ({
              Update: {
                TableName: this.inventoryTable,
                Key: { sku: line.sku },
                UpdateExpression: 'SET available = available + :q',
                ExpressionAttributeValues: { ':q': line.quantity },
              },
            })),
            {
              Update: {
                TableName: this.ordersTable,
                Key: { orderId: order.orderId },
                UpdateExpression: 'SET stockReservation.#status = :released, stockReservation.releasedAt = :now, updatedAt = :now',
                ConditionExpression: 'stockReservation.#status = :reserved',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':released': 'RELEASED', ':reserved': 'RESERVED', ':now': now },
              },
            },
          ],
        }),
      );
      return 'released';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
      if (codes.at(-1) === 'ConditionalCheckFailed') return 'nothing'; // released by an earlier attempt
      throw new TransientError(`Stock release for ${order.orderId} did not go through (${codes.join(', ')}); try again`, undefined, { cause: error });
    }
  }

  private async isReserved(orderId: string): Promise<boolean> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.ordersTable, Key: { orderId }, ConsistentRead: true, ProjectionExpression: 'stockReservation' }),
    );
    return (Item as Pick<Order, 'stockReservation'> | undefined)?.stockReservation !== undefined;
  }
}
