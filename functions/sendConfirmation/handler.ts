// Workflow step SendConfirmation: mark the order CONFIRMED, then publish its confirmation exactly once.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { OrderStateConflict } from '../../domain/errors.ts';
import { notifier, now, orderRepository } from '../../lib/dependencies.ts';
import { workflowTask } from '../../lib/middleware.ts';
import { logger, metrics } from '../../lib/observability.ts';
import { sendNoticeOnce } from '../../services/notices.ts';

const orders = orderRepository();
const sns = notifier();

export const handler = workflowTask(async ({ orderId }: { orderId: string }) => {
  const moved = await orders.moveTo(orderId, 'CONFIRMED', { now: now() });
  if (moved === 'moved') metrics.addMetric('OrderConfirmed', MetricUnit.Count, 1);
  const order = await orders.get(orderId);
  if (!order) throw new OrderStateConflict(`Order ${orderId} does not exist`);
  const notice = await sendNoticeOnce({ orders, notifier: sns, now }, 'confirmation', order);
  logger.info('order confirmed', { orderId, notice: notice.status });
  return { orderId, status: order.status, total: order.total, currency: order.currency, notification: 'SENT' };
});
