// The payment provider seen by this service. Authorize holds the amount on the card; capture happens in
// fulfilment, outside this service; void releases the hold (compensation).
import { UnexpectedPaymentResponse } from './errors.ts';
import type { Money } from './money.ts';
import type { Order } from './order.ts';
import { PaymentAuthorizationSchema, parseWith, type PaymentAuthorization } from './schemas.ts';

export interface Authorization {
  authorizationId: string;
  orderId: string;
  amount: number;
  currency: string;
  status: 'AUTHORIZED' | 'VOIDED';
  createdAt: string;
  voidedAt?: string;
}

export interface PaymentGateway {
  /** Same order authorized twice -> the same authorization. Throws PaymentDeclined or TransientError. */
  authorize(request: { orderId: string; amount: Money; token: string }): Promise<Authorization>;
  /** The authorization made for an order, if any: what compensation voids. */
  findByOrder(orderId: string): Promise<Authorization | undefined>;
  /** Idempotent: voiding a voided authorization changes nothing. */
  void(authorizationId: string): Promise<Authorization>;
}

export type TokenOutcome =
  | { outcome: 'approve' }
  | { outcome: 'decline'; declineCode: string; message: string }
  | { outcome: 'transient'; message: string };

/** The simulator's rules, after the test tokens card providers document. */
export function simulatedOutcome(token: string): TokenOutcome {
  switch (token) {
    case 'tok_visa':
    case 'tok_mastercard':
    case 'tok_amex':
      return { outcome: 'approve' };
    case 'tok_chargeDeclined':
      return { outcome: 'decline', declineCode: 'generic_decline', message: 'Your card was declined.' };
    case 'tok_chargeDeclinedInsufficientFunds':
      return { outcome: 'decline', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' };
    case 'tok_chargeDeclinedProcessingError':
      return { outcome: 'transient', message: 'An error occurred while processing your card. Try again.' };
    default:
      return { outcome: 'decline', declineCode: 'invalid_token', message: 'Unknown card token.' };
  }
}

/**
 * What POST /payments/validate answered, as the workflow received it (the ResponseBody: an object only when the
 * answer was a JSON object), checked against the authorization the endpoint recorded on the order. Throws
 * UnexpectedPaymentResponse naming every mismatch; stock must not be taken for a payment nobody can vouch for.
 */
export function verifyPaymentResponse(
  response: unknown,
  order: Pick<Order, 'orderId' | 'payment' | 'total' | 'currency'>,
): PaymentAuthorization {
  const parsed = parseWith(PaymentAuthorizationSchema, response, 'paymentResponse');
  if (!parsed.ok) {
    throw new UnexpectedPaymentResponse(`The payment response for order ${order.orderId} is not an authorization`, parsed.problems);
  }
  const answered = parsed.value;
  const recorded = order.payment;
  const problems = [
    ...(recorded === undefined ? [{ path: 'order.payment', message: 'no authorization is recorded on the order' }] : []),
    ...(recorded && recorded.status !== 'AUTHORIZED' ? [{ path: 'order.payment.status', message: `is ${recorded.status}` }] : []),
    ...(recorded && recorded.authorizationId !== answered.authorizationId
      ? [{ path: 'paymentResponse.authorizationId', message: `is ${answered.authorizationId}; the order records ${recorded.authorizationId}` }]
      : []),
    ...(answered.amount !== order.total || answered.currency !== order.currency
      ? [{ path: 'paymentResponse.amount', message: `is ${answered.amount} ${answered.currency}; the order total is ${order.total} ${order.currency}` }]
      : []),
  ];
  if (problems.length > 0) {
    throw new UnexpectedPaymentResponse(`The payment response for order ${order.orderId} does not match its authorization`, problems);
  }
  return answered;
}
