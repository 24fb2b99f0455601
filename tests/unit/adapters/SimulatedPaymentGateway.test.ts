import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SimulatedPaymentGateway, authorizationIdFor } from '../../../adapters/SimulatedPaymentGateway.ts';
import { OrderStateConflict, PaymentDeclined, TransientError } from '../../../domain/errors.ts';
import type { Authorization } from '../../../domain/payments.ts';
import { AT, LATER } from '../support/fixtures.ts';
import { awsError, conditionFailed, ddbMock, resetAwsMocks } from '../support/aws.ts';

const TABLE = 'payments-test';
const gateway = new SimulatedPaymentGateway(DynamoDBDocumentClient.from(new DynamoDBClient({})), TABLE, () => AT);
const brl = (amount: number) => ({ amount, currency: 'BRL' });

const authorization = (extra: Partial<Authorization> = {}): Authorization => ({
  authorizationId: authorizationIdFor('ord-1'),
  orderId: 'ord-1',
  amount: 20480,
  currency: 'BRL',
  status: 'AUTHORIZED',
  createdAt: AT,
  ...extra,
});

beforeEach(() => resetAwsMocks());

describe('authorizationIdFor', () => {
  it('is derived from the orderId: stable, distinct per order, shaped like auth_<24 hex>', () => {
    expect(authorizationIdFor('ord-1')).toBe(authorizationIdFor('ord-1'));
    expect(authorizationIdFor('ord-1')).not.toBe(authorizationIdFor('ord-2'));
    expect(authorizationIdFor('ord-1')).toMatch(/^auth_[0-9a-f]{24}$/);
  });
});

describe('SimulatedPaymentGateway.authorize', () => {
  it.each(['tok_visa', 'tok_mastercard'])('approves %s and writes the authorization once', async (token) => {
    ddbMock.on(PutCommand).resolves({});
    await expect(gateway.authorize({ orderId: 'ord-1', amount: brl(20480), token })).resolves.toEqual(authorization());
    expect(ddbMock).toHaveReceivedCommandExactlyOnceWith(PutCommand, {
      TableName: TABLE,
      Item: authorization(),
      ConditionExpression: 'attribute_not_exists(authorizationId)',
    });
  });

  it('never stores the card token', async () => {
    ddbMock.on(PutCommand).resolves({});
    await gateway.authorize({ orderId: 'ord-1', amount: brl(20480), token: 'tok_visa' });
    expect(JSON.stringify(ddbMock.commandCalls(PutCommand)[0]!.args[0].input)).not.toContain('tok_visa');
  });

  it.each([
    ['tok_chargeDeclined', 'generic_decline'],
    ['tok_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
  ])('declines %s with PaymentDeclined (%s) and writes nothing', async (token, declineCode) => {
    const error = await gateway.authorize({ orderId: 'ord-1', amount: brl(100), token }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentDeclined);
    expect((error as PaymentDeclined).declineCode).toBe(declineCode);
    expect(ddbMock).not.toHaveReceivedAnyCommand();
  });

  it('fails tok_chargeDeclinedProcessingError with TransientError and writes nothing', async () => {
    await expect(gateway.authorize({ orderId: 'ord-1', amount: brl(100), token: 'tok_chargeDeclinedProcessingError' })).rejects.toBeInstanceOf(
      TransientError,
    );
    expect(ddbMock).not.toHaveReceivedAnyCommand();
  });

  it('is idempotent: the same order and amount again returns the stored authorization', async () => {
    const stored = authorization({ createdAt: '2026-11-24T11:00:00.000Z' });
    ddbMock.on(PutCommand).rejects(conditionFailed(stored));
    await expect(gateway.authorize({ orderId: 'ord-1', amount: brl(20480), token: 'tok_visa' })).resolves.toEqual(stored);
  });

  it('refuses the same order with a different amount', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed(authorization()));
    await expect(gateway.authorize({ orderId: 'ord-1', amount: brl(99), token: 'tok_visa' })).rejects.toThrow(
      new OrderStateConflict('Order ord-1 was already authorized for a different amount'),
    );
  });

  it('refuses the same order in a different currency', async () => {
    ddbMock.on(PutCommand).rejects(conditionFailed(authorization()));
    await expect(gateway.authorize({ orderId: 'ord-1', amount: { amount: 20480, currency: 'USD' }, token: 'tok_visa' })).rejects.toBeInstanceOf(
      OrderStateConflict,
    );
  });

  it('passes storage errors on', async () => {
    ddbMock.on(PutCommand).rejects(awsError('ThrottlingException', 400));
    await expect(gateway.authorize({ orderId: 'ord-1', amount: brl(1), token: 'tok_visa' })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('SimulatedPaymentGateway.findByOrder', () => {
  it('looks the authorization up by the id derived from the order', async () => {
    ddbMock.on(GetCommand, { Key: { authorizationId: authorizationIdFor('ord-1') } }).resolves({ Item: authorization() });
    await expect(gateway.findByOrder('ord-1')).resolves.toEqual(authorization());
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, ConsistentRead: true });
  });

  it('is undefined when the order was never authorized', async () => {
    ddbMock.on(GetCommand).resolves({});
    await expect(gateway.findByOrder('ord-2')).resolves.toBeUndefined();
  });
});

describe('SimulatedPaymentGateway.void', () => {
  it('voids an AUTHORIZED authorization and returns it', async () => {
    const voided = authorization({ status: 'VOIDED', voidedAt: AT });
    ddbMock.on(UpdateCommand).resolves({ Attributes: voided });
    await expect(gateway.void(voided.authorizationId)).resolves.toEqual(voided);
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { authorizationId: voided.authorizationId },
      ConditionExpression: '#status = :authorized',
      ExpressionAttributeValues: { ':voided': 'VOIDED', ':authorized': 'AUTHORIZED', ':now': AT },
    });
  });

  it('is idempotent: voiding a voided authorization returns it unchanged', async () => {
    const voided = authorization({ status: 'VOIDED', voidedAt: LATER });
    ddbMock.on(UpdateCommand).rejects(conditionFailed(voided));
    await expect(gateway.void(voided.authorizationId)).resolves.toEqual(voided);
  });

  it('throws OrderStateConflict for an unknown authorization', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    await expect(gateway.void('auth_nope')).rejects.toThrow('No authorization auth_nope to void');
  });
});
