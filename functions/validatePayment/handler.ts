// POST /payments/validate (IAM only; the state machine calls it): authorize the order total and record the
// authorization on the order. Declined -> 402, provider hiccup -> 503 (both named by the workflow's Catch/Retry).
import { OrderStateConflict } from '../../domain/errors.ts';
import { money } from '../../domain/money.ts';
import { PaymentRequestSchema, parseWith, type PaymentAuthorization } from '../../domain/schemas.ts';
import { ValidationError } from '../../domain/errors.ts';
import { now, orderRepository, paymentGateway } from '../../lib/dependencies.ts';
import { json, readJsonBody } from '../../lib/http.ts';
import { httpEndpoint } from '../../lib/middleware.ts';
import { appendOrderKeys, logger, timed } from '../../lib/observability.ts';

const gateway = paymentGateway();
const orders = orderRepository();

// Statuses in which the order already holds this authorization: a repeated call is answered as before.
const PAST_APPROVAL = new Set(['PAYMENT_APPROVED', 'STOCK_RESERVED', 'CONFIRMED']);

export const handler = httpEndpoint(async (event) => {
  const parsed = parseWith(PaymentRequestSchema, readJsonBody(event));
  if (!parsed.ok) throw new ValidationError('Invalid payment request', parsed.problems);
  const { orderId, amount, currency, token } = parsed.value;
  appendOrderKeys(orderId);

  const authorization = await timed('PaymentAuthorizationLatency', () =>
    gateway.authorize({ orderId, amount: money(amount, currency), token }),
  );
  if (authorization.status !== 'AUTHORIZED') {
    throw new OrderStateConflict(`The authorization for order ${orderId} was voided; the order cannot be paid again`);
  }
  try {
    await orders.recordAuthorization(authorization, now());
  } catch (error) {
    if (!(error instanceof OrderStateConflict)) throw error;
    if (!PAST_APPROVAL.has(error.currentStatus ?? '')) {
      // The order ended (or never existed) while we authorized: do not leave a hold on the card.
      await gateway.void(authorization.authorizationId);
      logger.warn('authorization voided: order no longer payable', { orderId, status: error.currentStatus });
      throw error;
    }
  }
  // The state machine reads this body (UpdateStock checks it): a JSON object, sent as exactly application/json.
  const answer: PaymentAuthorization = {
    authorizationId: authorization.authorizationId,
    status: authorization.status,
    amount: authorization.amount,
    currency: authorization.currency,
  };
  return json(200, answer);
});
