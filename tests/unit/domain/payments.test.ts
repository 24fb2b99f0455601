import { describe, expect, it } from 'vitest';
import { UnexpectedPaymentResponse } from '../../../domain/errors.ts';
import { simulatedOutcome, verifyPaymentResponse } from '../../../domain/payments.ts';

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

describe('verifyPaymentResponse (UpdateStock checks what ValidatePayment received)', () => {
  const payment = { authorizationId: 'auth_1', status: 'AUTHORIZED' as const, amount: 20480, currency: 'BRL' };
  const order = { orderId: 'ord-1', payment, total: 20480, currency: 'BRL' };
  const answered = { authorizationId: 'auth_1', status: 'AUTHORIZED', amount: 20480, currency: 'BRL' };

  function problemsOf(response: unknown, onOrder: Parameters<typeof verifyPaymentResponse>[1] = order) {
    try {
      verifyPaymentResponse(response, onOrder);
    } catch (error) {
      expect(error).toBeInstanceOf(UnexpectedPaymentResponse);
      expect((error as Error).name).toBe('UnexpectedPaymentResponse');
      expect((error as Error).message).toContain('ord-1');
      return (error as UnexpectedPaymentResponse).details;
    }
    throw new Error('expected UnexpectedPaymentResponse');
  }

  it('accepts the authorization recorded on the order (extra fields are ignored)', () => {
    expect(verifyPaymentResponse({ ...answered, extra: 1 }, order)).toEqual(answered);
  });

  // API Gateway hands a JSON string, number or boolean body over as a string (AWS-recorded runs, LocalStack
  // snapshot tests/aws/services/stepfunctions/v2/services/test_apigetway_task_service.snapshot.json).
  it.each([
    ['a string', 'APPROVED', 'must be a JSON object, not a string'],
    ['a JSON text left as a string', JSON.stringify(answered), 'must be a JSON object, not a string'],
    ['a number', 0, 'must be a JSON object, not a number'],
    ['null', null, 'must be a JSON object, not null'],
    ['an array', [answered], 'must be a JSON object, not an array'],
    ['nothing', undefined, 'must be a JSON object, not nothing'],
  ])('refuses %s, naming the field', (_what, response, message) => {
    expect(problemsOf(response)).toEqual([{ path: 'paymentResponse', message }]);
  });

  it('refuses a wrong shape, naming each field', () => {
    const details = problemsOf({ authorizationId: '', status: 'VOIDED', amount: 1.5, currency: 'XYZ' });
    expect(details?.map((problem) => problem.path).sort()).toEqual([
      'paymentResponse.amount',
      'paymentResponse.authorizationId',
      'paymentResponse.currency',
      'paymentResponse.status',
    ]);
  });

  it('refuses an authorization that is not the one on the order, or not for its total', () => {
    expect(problemsOf({ ...answered, authorizationId: 'auth_2' })).toEqual([
      { path: 'paymentResponse.authorizationId', message: 'is auth_2; the order records auth_1' },
    ]);
    expect(problemsOf({ ...answered, amount: 100 })).toEqual([
      { path: 'paymentResponse.amount', message: 'is 100 BRL; the order total is 20480 BRL' },
    ]);
    expect(problemsOf({ ...answered, currency: 'USD' })?.map((problem) => problem.path)).toEqual(['paymentResponse.amount']);
  });

  it('refuses when the order records no authorization, or a voided one', () => {
    expect(problemsOf(answered, { ...order, payment: undefined })).toEqual([
      { path: 'order.payment', message: 'no authorization is recorded on the order' },
    ]);
    expect(problemsOf(answered, { ...order, payment: { ...payment, status: 'VOIDED' } })).toEqual([
      { path: 'order.payment.status', message: 'is VOIDED' },
    ]);
  });
});
