// A snapshot of a local stack for the consistency checker: the Orders, Inventory and Payments tables (scanned
// with consistent reads), the SNS outbox and the stock the catalog was seeded with. Used by GET
// /_local/consistency (and so `npm run check:consistency`), the load run and the tests.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { OrderStatus, type Order } from '../../domain/order.ts';
import type { Authorization } from '../../domain/payments.ts';
import { checkConsistency, type ConsistencySnapshot, type Violation } from './consistency.ts';
import type { ExecutionRegistry, ExecutionStatus } from '../engine/executions.ts';
import type { Outbox } from '../stack/outbox.ts';

export const TABLE_IDS = { orders: 'OrdersTable', inventory: 'InventoryTable', payments: 'PaymentsTable' } as const;

/** What a snapshot reads: the parts of a LocalStack it needs (tests can pass a stack as is). */
export interface SnapshotSource {
  dynamodb: DynamoDBClient;
  tables: ReadonlyMap<string, { tableName: string }>;
  outbox: Pick<Outbox, 'messages'>;
  /** Stock per SKU when the catalog was seeded. */
  initialStock: Record<string, number>;
  /** When it was seeded: a re-seed is a stock count (see ConsistencySnapshot.seededAt). */
  seededAt?: string;
}

export async function scanTable<T>(dynamodb: DynamoDBClient, tableName: string): Promise<T[]> {
  const doc = DynamoDBDocumentClient.from(dynamodb);
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as T[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

function tableName(source: SnapshotSource, logicalId: string): string {
  const table = source.tables.get(logicalId);
  if (!table) throw new Error(`serverless.yml has no ${logicalId}`);
  return table.tableName;
}

export async function takeSnapshot(source: SnapshotSource, acceptedOrderIds?: string[]): Promise<ConsistencySnapshot> {
  const [orders, inventory, authorizations] = await Promise.all([
    scanTable<Order>(source.dynamodb, tableName(source, TABLE_IDS.orders)),
    scanTable<{ sku: string; available: number }>(source.dynamodb, tableName(source, TABLE_IDS.inventory)),
    scanTable<Authorization>(source.dynamodb, tableName(source, TABLE_IDS.payments)),
  ]);
  return {
    orders,
    inventory: inventory.map(({ sku, available }) => ({ sku, available })),
    initialStock: { ...source.initialStock },
    ...(source.seededAt ? { seededAt: source.seededAt } : {}),
    authorizations,
    messages: source.outbox.messages.map((message) => ({
      attributes: Object.fromEntries(Object.entries(message.attributes).map(([name, value]) => [name, value.StringValue])),
    })),
    ...(acceptedOrderIds ? { acceptedOrderIds } : {}),
  };
}

export interface ConsistencyReport {
  violations: Violation[];
  /** Orders by status (every status listed, 0 when none). */
  counts: Record<OrderStatus, number>;
  orders: number;
  authorizations: { AUTHORIZED: number; VOIDED: number };
  messages: number;
  /** Executions by status, when the registry is known; a check while some still run flags them (guarantee 1). */
  executions?: Partial<Record<ExecutionStatus, number>>;
}

export function statusCounts(orders: readonly Pick<Order, 'status'>[]): Record<OrderStatus, number> {
  const counts = Object.fromEntries(Object.values(OrderStatus).map((status) => [status, 0])) as Record<OrderStatus, number>;
  for (const order of orders) counts[order.status] = (counts[order.status] ?? 0) + 1;
  return counts;
}

export function reportOf(snapshot: ConsistencySnapshot, registry?: Pick<ExecutionRegistry, 'list'>): ConsistencyReport {
  const authorizations = { AUTHORIZED: 0, VOIDED: 0 };
  for (const auth of snapshot.authorizations) authorizations[auth.status] += 1;
  const report: ConsistencyReport = {
    violations: checkConsistency(snapshot),
    counts: statusCounts(snapshot.orders),
    orders: snapshot.orders.length,
    authorizations,
    messages: snapshot.messages.length,
  };
  if (registry) {
    const executions: Partial<Record<ExecutionStatus, number>> = {};
    for (const { status } of registry.list()) executions[status] = (executions[status] ?? 0) + 1;
    report.executions = executions;
  }
  return report;
}

/**
 * The check a running stack answers on GET /_local/consistency: every execution it ran counts as an accepted
 * order (each must have a record in a final status).
 */
export async function consistencyReport(source: SnapshotSource, registry?: Pick<ExecutionRegistry, 'list'>, acceptedOrderIds?: string[]): Promise<ConsistencyReport> {
  const accepted = acceptedOrderIds ?? registry?.list().map((record) => record.name);
  return reportOf(await takeSnapshot(source, accepted), registry);
}
