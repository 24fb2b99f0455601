// The payment provider seen by this service. Authorize holds the amount on the card; capture happens in
// fulfilment, outside this service; void releases the hold (compensation).
import type { Money } from './money.ts';

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
