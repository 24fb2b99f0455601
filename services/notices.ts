// One message per notice kind per order, even when a task is retried or re-run: the SNS topic is Standard
// (e-mail needs it) and does not deduplicate, so the order record does. The claim is a conditional write made
// before publishing; the one window left is a publish whose reply is lost, which the next attempt repeats.
import type { NoticeKind, Order } from '../domain/order.ts';
import { renderNotice } from '../domain/order.ts';
import type { OrderRepository } from '../adapters/OrderRepository.ts';
import type { SnsNotifier } from '../adapters/SnsNotifier.ts';

export type NoticeResult = { status: 'SENT'; messageId: string } | { status: 'ALREADY_SENT' };

export async function sendNoticeOnce(
  deps: { orders: OrderRepository; notifier: SnsNotifier; now: () => string },
  kind: NoticeKind,
  order: Order,
  detail?: string,
): Promise<NoticeResult> {
  const claimed = await deps.orders.claimNotice(order.orderId, kind, deps.now());
  if (!claimed) return { status: 'ALREADY_SENT' };
  const messageId = await deps.notifier.publish(renderNotice(kind, order, detail));
  await deps.orders.markNoticeSent(order.orderId, kind, messageId, deps.now());
  return { status: 'SENT', messageId };
}
