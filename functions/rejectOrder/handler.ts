// Workflow step RejectOrder: the caught error says why (declined, out of stock, invalid); mark the order
// REJECTED with that reason and publish the rejection exactly once. For out of stock it is the last compensation
// step: once REJECTED, it is taken off the order's remaining compensation (a notice that fails after that is
// recorded by RecordRejectionFailure, not left pending).
import { OrderStateConflict } from '../../domain/errors.ts';
import { rejectionReasonFor, type Order } from '../../domain/order.ts';
import { notifier, now, orderRepository } from '../../lib/dependencies.ts';
import { workflowTask } from '../../lib/middleware.ts';
import { countRejection, logger } from '../../lib/observability.ts';
import { sendNoticeOnce } from '../../services/notices.ts';

const orders = orderRepository();
const sns = notifier();

export interface RejectOrderEvent {
  orderId: string;
  /** The caught error's name (Error), e.g. OutOfStock or ApiGateway.402. */
  error: string;
  /** The caught error's Cause: a Lambda error as JSON, or the HTTP answer's body. */
  cause?: string;
}

/** A sentence for the customer from the error's cause, when it has one worth showing. */
export function detailFrom(order: Order, cause: string | undefined): string | undefined {
  if (order.problems?.length) return order.problems.map((p) => `- ${p.path}: ${p.message}`).join('\n');
  try {
    const parsed = JSON.parse(cause ?? '') as { errorMessage?: string; message?: string };
    return parsed.errorMessage ?? parsed.message;
  } catch {
    return undefined;
  }
}

export const handler = workflowTask(async ({ orderId, error, cause }: RejectOrderEvent) => {
  const reason = rejectionReasonFor(error);
  if (!reason) throw new OrderStateConflict(`${error} is not a reason to reject order ${orderId}`);
  const moved = await orders.moveTo(orderId, 'REJECTED', { now: now(), reason });
  if (moved === 'moved') countRejection(reason);
  const order = await orders.get(orderId);
  if (!order) throw new OrderStateConflict(`Order ${orderId} does not exist`);
  if (order.compensationRemaining?.includes('RejectOrder')) {
    await orders.completeCompensationStep(orderId, 'RejectOrder', order.compensationRemaining, now());
  }
  const notice = await sendNoticeOnce({ orders, notifier: sns, now }, 'rejection', order, detailFrom(order, cause));
  logger.info('order rejected', { orderId, reason: order.reason, notice: notice.status });
  return {
    orderId,
    status: order.status,
    reason: order.reason,
    ...(order.total !== undefined ? { total: order.total, currency: order.currency } : {}),
    notification: 'SENT',
  };
});
