// Helpers for the tests that run the real definition on the local stack: run an execution and read back every
// place it leaves a trace - the execution (status, output, event history), the order record, the stock, the
// payment ledger (the simulator's Payments table) and the SNS outbox.
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Order } from '../../domain/order.ts';
import type { Authorization } from '../../domain/payments.ts';
import type { HistoryEvent } from '../../local/engine/executionHistory.ts';
import type { ExecutionRecord } from '../../local/engine/executions.ts';
import type { OutboxMessage } from '../../local/stack/outbox.ts';
import type { LocalStack } from '../../local/stack/stack.ts';

export const CUSTOMER = { id: 'cust-wf', email: 'ana@example.com', name: 'Ana Souza' };

export interface OrderInput {
  customer?: unknown;
  items?: unknown;
  payment?: unknown;
  [other: string]: unknown;
}

export function orderInput(items: Array<{ sku: string; quantity: number }>, token = 'tok_visa'): OrderInput {
  return { customer: CUSTOMER, items, payment: { token } };
}

/** Stock per SKU, as the Inventory table holds it now. */
export async function stockOf(stack: LocalStack): Promise<Record<string, number>> {
  return Object.fromEntries((await stack.inventory()).map((item) => [item.sku, item.available]));
}

function tableName(stack: LocalStack, logicalId: string): string {
  const table = stack.tables.get(logicalId);
  if (!table) throw new Error(`no ${logicalId} in the local stack`);
  return table.tableName;
}

async function scan<T>(stack: LocalStack, logicalId: string): Promise<T[]> {
  const doc = DynamoDBDocumentClient.from(stack.dynamodb);
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: tableName(stack, logicalId), ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...((page.Items ?? []) as T[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every authorization in the payment provider's ledger for this order (scanned, not looked up by the derived id). */
export async function ledgerFor(stack: LocalStack, orderId: string): Promise<Authorization[]> {
  return (await scan<Authorization>(stack, 'PaymentsTable')).filter((entry) => entry.orderId === orderId);
}

export async function allOrders(stack: LocalStack): Promise<Order[]> {
  return scan<Order>(stack, 'OrdersTable');
}

export function eventTypeOf(message: OutboxMessage): string | undefined {
  return message.attributes.eventType?.StringValue;
}

/** Names of the states entered, in order (retries do not re-enter a state). */
export function statesEntered(history: HistoryEvent[]): string[] {
  return history.filter((event) => event.type === 'StateEntered').map((event) => event.state!);
}

export function eventsOf(history: HistoryEvent[], type: string, state?: string): HistoryEvent[] {
  return history.filter((event) => event.type === type && (state === undefined || event.state === state));
}

export interface Outcome {
  orderId: string;
  execution: ExecutionRecord;
  output: Record<string, unknown> | undefined;
  order: Order | undefined;
  messages: OutboxMessage[];
  ledger: Authorization[];
  stockBefore: Record<string, number>;
  stockAfter: Record<string, number>;
}

/** Runs one execution to its end and gathers what it left behind. */
export async function runOrder(stack: LocalStack, input: unknown, name?: string): Promise<Outcome> {
  const stockBefore = await stockOf(stack);
  const started = stack.startExecution(input, name);
  const execution = await stack.waitForExecution(started.name, 30_000);
  const orderId = execution.name;
  const [order, ledger, stockAfter] = await Promise.all([
    stack.order(orderId) as Promise<Order | undefined>,
    ledgerFor(stack, orderId),
    stockOf(stack),
  ]);
  return {
    orderId,
    execution,
    output: execution.output === undefined ? undefined : (JSON.parse(execution.output) as Record<string, unknown>),
    order,
    messages: stack.outbox.forOrder(orderId),
    ledger,
    stockBefore,
    stockAfter,
  };
}

/** The retrier of `state` that handles `error`, from the definition the local stack runs. */
export function retrierFor(stack: LocalStack, state: string, error: string): { ErrorEquals: string[]; MaxAttempts?: number } {
  const retry = (stack.stepFunctions.definition.States[state]?.Retry ?? []) as Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
  const retrier = retry.find((r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'));
  if (!retrier) throw new Error(`state ${state} has no Retry for ${error}`);
  return retrier;
}

/** MaxAttempts as Step Functions reads it: 3 when absent. */
export function maxAttempts(retrier: { MaxAttempts?: number }): number {
  return retrier.MaxAttempts ?? 3;
}
