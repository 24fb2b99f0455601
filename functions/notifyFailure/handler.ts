// Compensation NotifyFailure: tell the customer their order failed (payment voided, stock released), once.
// Tracked on the order as the last compensation step of a failure.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { notifier, now, orderRepository } from '../../lib/dependencies.ts';
import { workflowTask } from '../../lib/middleware.ts';
import { logger, metrics } from '../../lib/observability.ts';
import { compensationStep, type CompensationTaskEvent } from '../../services/compensation.ts';
import { sendNoticeOnce } from '../../services/notices.ts';

const orders = orderRepository();
const sns = notifier();

export const handler = workflowTask(async (event: CompensationTaskEvent) =>
  compensationStep({ orders, now }, 'NotifyFailure', event, async (order) => {
    const { orderId, error } = event;
    // Only a FAILED order gets a failure notice; a re-run that reached here for a final order tells no one.
    if (order?.status !== 'FAILED') return { orderId, notified: false };
    metrics.addMetric('OrderFailed', MetricUnit.Count, 1);
    const notice = await sendNoticeOnce({ orders, notifier: sns, now }, 'failure', order);
    logger.warn('order failed', { orderId, error, notice: notice.status });
    return { orderId, notified: notice.status === 'SENT' };
  }),
);
