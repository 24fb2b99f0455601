// One compensation step (ReleaseStock, VoidPayment, NotifyFailure) as the workflow runs it, on the order record:
// a redrive is recorded in its history once, compensation is started (the steps still to run) if this is its
// first step, and the step takes itself off the list once its work is done. A step that cannot finish ends the
// execution FAILED at that state, its error saying what remains, and a redrive runs it again from its own input:
// every write here is conditional, so running it again changes nothing that was done.
import type { OrderRepository } from '../adapters/OrderRepository.ts';
import { compensationFrom, FINAL_STATUSES, type CompensationStep, type Order } from '../domain/order.ts';

/** The Payload the definition gives a compensation step. */
export interface CompensationTaskEvent {
  orderId: string;
  /** The error caught before compensation ($.Error): what it undoes, and which path it takes. */
  error?: string;
  /** $$.Execution.RedriveCount: 0 until the execution is redriven. */
  redriveCount?: number;
}

/** The steps that undo work start compensation on the order; MarkFailed starts it when neither could (no record). */
const STARTING_STEPS: readonly CompensationStep[] = ['ReleaseStock', 'VoidPayment'];

function redriveCountOf(event: CompensationTaskEvent): number {
  const count: unknown = event.redriveCount === undefined ? 0 : event.redriveCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    const got = JSON.stringify(event.redriveCount);
    throw new TypeError(`redriveCount must be a whole number from 0 ($$.Execution.RedriveCount), got ${got}`);
  }
  return count;
}

/** Adds to the error's message where compensation stopped and what remains: the execution's Cause then says it. */
function stoppedAt(error: unknown, step: CompensationStep, remaining: readonly CompensationStep[] | undefined): unknown {
  if (error instanceof Error && remaining && remaining.length > 0) {
    error.message = `${error.message} (compensation stopped at ${step}; remaining: ${remaining.join(', ')})`;
  }
  return error;
}

/** Runs `work` (the step's own effect, given the order as read, if stored) as compensation step `step`. */
export async function compensationStep<R>(
  deps: { orders: OrderRepository; now: () => string },
  step: CompensationStep,
  event: CompensationTaskEvent,
  work: (order: Order | undefined) => Promise<R>,
): Promise<R> {
  const redriveCount = redriveCountOf(event);
  // This step's path as the definition runs it, and the list kept on the order (once it is read).
  const { error: caught } = event;
  const path = caught === undefined ? undefined : compensationFrom(step, caught);
  let tracked: readonly CompensationStep[] | undefined;
  try {
    const order = await deps.orders.get(event.orderId);
    if (order && redriveCount > (order.redriveCount ?? 0)) {
      await deps.orders.recordRedrive(order.orderId, redriveCount, order.status, deps.now());
    }
    if (order?.compensationRemaining) tracked = order.compensationRemaining;
    // Nothing is kept without an order record to keep it on, for a final order (a re-run), or without the error.
    else if (order && caught !== undefined && path && STARTING_STEPS.includes(step) && !FINAL_STATUSES.includes(order.status)) {
      if (await deps.orders.beginCompensation(order.orderId, path, caught, deps.now())) tracked = path;
    }
    const result = await work(order);
    if (tracked?.includes(step)) await deps.orders.completeCompensationStep(event.orderId, step, tracked, deps.now());
    return result;
  } catch (error) {
    throw stoppedAt(error, step, tracked ?? path);
  }
}
