// Helpers for the tests that run the real definition on the local stack: run an execution and read back every
// place it leaves a trace - the execution (status, output, event history), the order record, the stock, the
// payment ledger (the simulator's Payments table) and the SNS outbox.
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Order } from '../../domain/order.ts';
import { resetFaults } from '../../lib/faults.ts';
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

/** The details object of an event (`stateEnteredEventDetails`, `taskFailedEventDetails`, ...). */
export function details(event: HistoryEvent): Record<string, unknown> {
  const key = Object.keys(event).find((name) => name.endsWith('EventDetails'));
  return key ? (event[key] as Record<string, unknown>) : {};
}

/** Names of the states entered, in order (a retry does not re-enter a state). */
export function statesEntered(history: HistoryEvent[]): string[] {
  return history.filter((event) => event.type.endsWith('StateEntered')).map((event) => String(details(event).name));
}

/**
 * Each event with the state it belongs to: a state's own events name it; task events (TaskScheduled, TaskFailed,
 * ...) belong to the state entered last.
 */
export function withState(history: HistoryEvent[]): Array<{ event: HistoryEvent; state: string | undefined }> {
  let current: string | undefined;
  return history.map((event) => {
    if (event.type.endsWith('StateEntered')) current = String(details(event).name);
    if (event.type.startsWith('Execution')) return { event, state: undefined };
    return { event, state: current };
  });
}

/** The events of one type, optionally only those of one state. */
export function eventsOf(history: HistoryEvent[], type: string, state?: string): HistoryEvent[] {
  return withState(history)
    .filter((entry) => entry.event.type === type && (state === undefined || entry.state === state))
    .map((entry) => entry.event);
}

/** Retries of a state's task: its TaskScheduled events after the first (AWS repeats TaskScheduled...TaskFailed per attempt). */
export function retriesOf(history: HistoryEvent[], state: string): number {
  return Math.max(0, eventsOf(history, 'TaskScheduled', state).length - 1);
}

/**
 * How a failed state was caught: the error of its last TaskFailed (or TaskTimedOut) before its TaskStateExited, and
 * the state entered right after that exit. Undefined when the state did not exit after a failure.
 */
export function caughtIn(history: HistoryEvent[], state: string): { error: string; next: string | undefined } | undefined {
  const exit = history.findIndex((event) => event.type.endsWith('StateExited') && details(event).name === state);
  if (exit < 0) return undefined;
  const before = history[exit - 1];
  if (!before || (before.type !== 'TaskFailed' && before.type !== 'TaskTimedOut')) return undefined;
  const next = history.slice(exit + 1).find((event) => event.type.endsWith('StateEntered'));
  return { error: String(details(before).error), next: next ? String(details(next).name) : undefined };
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

/** Runs one order with FAULTS set for its execution only (counts start afresh, and are reset after). */
export async function runWithFaults(stack: LocalStack, faults: string, input: unknown): Promise<Outcome> {
  resetFaults();
  process.env.FAULTS = faults;
  try {
    return await runOrder(stack, input);
  } finally {
    delete process.env.FAULTS;
    resetFaults();
  }
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
