// The orders that are not final yet, for the reconciler. A Scan: it reads the whole Orders table, which is what
// this service's scale allows (README, "Limits": each run reads every order once, strongly consistent, about
// 1 read request unit per 4 KB of orders). Past that scale, a sparse index of the unfinished orders would do it.
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FINAL_STATUSES } from '../domain/order.ts';
import type { OrdersPort, UnfinishedOrder } from '../services/reconciler.ts';

export class UnfinishedOrders implements OrdersPort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async *unfinishedCreatedBefore(createdBefore: string): AsyncIterable<UnfinishedOrder> {
    const finals = Object.fromEntries(FINAL_STATUSES.map((status, i) => [`:final${i}`, status]));
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.tableName,
          // Consistent: an order that became final a moment ago must not be read as still open (its execution has
          // succeeded by then, and the order would be reported stuck).
          ConsistentRead: true,
          ProjectionExpression: 'orderId, #status, #createdAt',
          FilterExpression: `NOT (#status IN (${Object.keys(finals).join(', ')})) AND #createdAt < :before`,
          ExpressionAttributeNames: { '#status': 'status', '#createdAt': 'createdAt' },
          ExpressionAttributeValues: { ...finals, ':before': createdBefore },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        yield { orderId: String(item.orderId), status: String(item.status), createdAt: String(item.createdAt) };
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
