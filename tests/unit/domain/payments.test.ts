import { describe, expect, it } from 'vitest';
import { simulatedOutcome } from '../../../domain/payments.ts';

describe('simulatedOutcome (the simulator test tokens)', () => {
  it.each(['tok_visa', 'tok_mastercard', 'tok_amex'])('%s approves', (token) => {
    expect(simulatedOutcome(token)).toEqual({ outcome: 'approve' });
  });

  it('tok_chargeDeclined declines with generic_decline', () => {
    expect(simulatedOutcome('tok_chargeDeclined')).toEqual({
      outcome: 'decline',
      declineCode: 'generic_decline',
      message: 'Your card was declined.',
    });
  });

  it('tok_chargeDeclinedInsufficientFunds declines with insufficient_funds', () => {
    expect(simulatedOutcome('tok_chargeDeclinedInsufficientFunds')).toMatchObject({ outcome: 'decline', declineCode: 'insufficient_funds' });
  });

  it('tok_chargeDeclinedProcessingError fails transiently', () => {
    expect(simulatedOutcome('tok_chargeDeclinedProcessingError')).toMatchObject({ outcome: 'transient' });
  });

  it.each(['tok_unknown', 'tok_VISA', ''])('an unknown token (%j) declines as invalid_token', (token) => {
    expect(simulatedOutcome(token)).toMatchObject({ outcome: 'decline', declineCode: 'invalid_token' });
  });
});
