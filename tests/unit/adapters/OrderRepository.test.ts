import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, UpdateCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrderRepository } from '../../../adapters/OrderRepository.ts';
import { OrderStateConflict } from '../../../domain/errors.ts';
import { AT, LATER, storedOrder } from '../support/fixtures.ts';
import { awsError, conditionFailed, ddbMock, resetAwsMocks } from '../support/aws.ts';

const TABLE = 'orders-test';
const repo = new OrderRepository(DynamoDBDocumentClient.from(new DynamoDBClient({})), TABLE);

beforeEach(() => resetAwsMocks());

function lastUpdate() {
  const calls = ddbMock.commandCalls(UpdateCommand);
  return calls.at(-1)!.args[0].input;
}

describe('OrderRepository.get', () => {
  it('reads the order consistently by orderId', async () => {
    const order = storedOrder('ord-1');
    ddbMock.on(GetCommand).resolves({ Item: order });
    await expect(repo.get('ord-1')).resolves.toEqual(order);
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { TableName: TABLE, Key: { orderId: 'ord-1' }, ConsistentRead: true });
  });

  it('is undefined for an unknown order', async () => {
    ddbMock.on(GetCommand).resolves({});
    await expect(repo.get('nope')).resolves.toBeUndefined();
  });
});

describe('OrderRepository.create', () => {
  it('stores a new order only if none has its id', async () => {
    ddbMock.on(PutCommand).resolves({});
    const order = storedOrder('ord-1');
    await expect(repo.create(order)).resolves.toEqual({ created: true, order });
    expect(ddbMock).toHaveReceivedCommandExactlyOnceWith(PutCommand, {
      TableName: TABLE,
      Item: order,
      ConditionExpression: 'attribute_not_exists(orderId)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('is idempotent: a second create returns the order already stored (as a plain object)', async () => {
    const existing = storedOrder('ord-1', 'PAYMENT_APPROVED');
    ddbMock.on(PutCommand).rejects(conditionFailed(existing));
    const result = await repo.create(storedOrder('ord-1'));
    expect(result).toEqual({ created: false, order: existing });
    expect(result.order.status).toBe('PAYMENT_APPROVED');
    expect(result.order.total).toBe(20480);
  });

  it('passes other errors on', async () => {
    ddbMock.on(PutCommand).rejects(awsError('ProvisionedThroughputExceededException', 400));
    await expect(repo.create(storedOrder('ord-1'))).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });
});

describe('OrderRepository.moveTo', () => {
  it("moves with one conditional update from the allowed statuses, appending history: 'moved'", async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await expect(repo.moveTo('ord-1', 'REJECTED', { now: LATER, reason: 'OUT_OF_STOCK' })).resolves.toBe('moved');
    expect(ddbMock).toHaveReceivedCommandTimes(UpdateCommand, 1);
    const input = lastUpdate();
    expect(input).toMatchObject({
      TableName: TABLE,
      Key: { orderId: 'ord-1' },
      ConditionExpression: '#status IN (:from0, :from1)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(input.ExpressionAttributeValues).toMatchObject({
      ':to': 'REJECTED',
      ':now': LATER,
      ':from0': 'RECEIVED',
      ':from1': 'PAYMENT_APPROVED',
      ':entry': [{ status: 'REJECTED', at: LATER, reason: 'OUT_OF_STOCK' }],
    });
    expect(input.UpdateExpression).toContain('#history = list_append(#history, :entry)');
    // the reason is set as a field of the order too
    const reasonName = Object.entries(input.ExpressionAttributeNames!).find(([, v]) => v === 'reason')?.[0];
    expect(reasonName).toBeDefined();
    expect(input.UpdateExpression).toContain(`${reasonName} = :${reasonName!.slice(1)}`);
  });

  it('sets extra fields through placeholders (no field name goes into the expression text)', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await repo.moveTo('ord-1', 'PAYMENT_APPROVED', { now: LATER, fields: { payment: { authorizationId: 'auth_1' } } });
    const input = lastUpdate();
    expect(input.ExpressionAttributeNames).toMatchObject({ '#f0': 'payment' });
    expect(input.ExpressionAttributeValues).toMatchObject({ ':f0': { authorizationId: 'auth_1' }, ':from0': 'RECEIVED' });
    expect(input.UpdateExpression).toBe('SET #status = :to, #updatedAt = :now, #history = list_append(#history, :entry), #f0 = :f0');
  });

  it("answers 'already' when the order is in the target status (a re-run)", async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed(storedOrder('ord-1', 'CONFIRMED')));
    await expect(repo.moveTo('ord-1', 'CONFIRMED', { now: LATER })).resolves.toBe('already');
  });

  it('throws OrderStateConflict with currentStatus when the order is elsewhere', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed(storedOrder('ord-1', 'FAILED')));
    const error = await repo.moveTo('ord-1', 'PAYMENT_APPROVED', { now: LATER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderStateConflict);
    expect((error as OrderStateConflict).currentStatus).toBe('FAILED');
    expect((error as OrderStateConflict).message).toBe('Order ord-1 is FAILED; it cannot become PAYMENT_APPROVED');
  });

  it('throws OrderStateConflict without currentStatus when the order does not exist', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    const error = await repo.moveTo('ord-1', 'CONFIRMED', { now: LATER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderStateConflict);
    expect((error as OrderStateConflict).currentStatus).toBeUndefined();
    expect((error as Error).message).toBe('Order ord-1 does not exist; it cannot become CONFIRMED');
  });

  it('passes other errors on', async () => {
    ddbMock.on(UpdateCommand).rejects(awsError('ThrottlingException', 400));
    await expect(repo.moveTo('ord-1', 'CONFIRMED', { now: LATER })).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('OrderRepository.recordAuthorization', () => {
  it('moves RECEIVED -> PAYMENT_APPROVED keeping the authorization, never a token', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await repo.recordAuthorization(
      { authorizationId: 'auth_1', orderId: 'ord-1', amount: 20480, currency: 'BRL', status: 'AUTHORIZED', createdAt: AT },
      LATER,
    );
    const input = lastUpdate();
    expect(input.ExpressionAttributeValues).toMatchObject({
      ':to': 'PAYMENT_APPROVED',
      ':f0': { authorizationId: 'auth_1', status: 'AUTHORIZED', amount: 20480, currency: 'BRL' },
    });
    expect(JSON.stringify(input)).not.toContain('tok_');
  });
});

describe('OrderRepository.recordVoid', () => {
  it('marks the payment VOIDED only if the order holds that authorization, not voided yet', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await repo.recordVoid('ord-1', 'auth_1', LATER);
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { orderId: 'ord-1' },
      ConditionExpression: 'payment.authorizationId = :id AND payment.#status <> :voided',
      ExpressionAttributeValues: { ':voided': 'VOIDED', ':now': LATER, ':id': 'auth_1' },
    });
  });

  it('does nothing (and does not throw) when the order never recorded it', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    await expect(repo.recordVoid('ord-1', 'auth_1', LATER)).resolves.toBeUndefined();
  });

  it('passes other errors on', async () => {
    ddbMock.on(UpdateCommand).rejects(awsError('InternalServerError', 500));
    await expect(repo.recordVoid('ord-1', 'auth_1', LATER)).rejects.toMatchObject({ name: 'InternalServerError' });
  });
});

describe('OrderRepository.claimNotice / markNoticeSent', () => {
  it('claims an unsent notice: true, writing PENDING on the notice attribute', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await expect(repo.claimNotice('ord-1', 'confirmation', AT)).resolves.toBe(true);
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { orderId: 'ord-1' },
      ExpressionAttributeNames: { '#notice': 'confirmationNotice', '#status': 'status' },
      ExpressionAttributeValues: { ':pending': { status: 'PENDING', claimedAt: AT }, ':sent': 'SENT', ':now': AT },
    });
    expect(lastUpdate().ConditionExpression).toContain('#notice.#status <> :sent');
  });

  it.each([
    ['rejection', 'rejectionNotice'],
    ['failure', 'failureNotice'],
  ] as const)('uses %s -> %s', async (kind, attribute) => {
    ddbMock.on(UpdateCommand).resolves({});
    await repo.claimNotice('ord-1', kind, AT);
    expect(lastUpdate().ExpressionAttributeNames).toMatchObject({ '#notice': attribute });
  });

  it('is false when the notice was SENT already', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed(storedOrder('ord-1', 'CONFIRMED', { confirmationNotice: { status: 'SENT', messageId: 'm-1' } })));
    await expect(repo.claimNotice('ord-1', 'confirmation', AT)).resolves.toBe(false);
  });

  it('throws OrderStateConflict when the order does not exist', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    await expect(repo.claimNotice('ord-1', 'confirmation', AT)).rejects.toBeInstanceOf(OrderStateConflict);
  });

  it('records the message id once sent', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await repo.markNoticeSent('ord-1', 'rejection', 'm-9', LATER);
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeNames: { '#notice': 'rejectionNotice' },
      ExpressionAttributeValues: { ':sent': { status: 'SENT', messageId: 'm-9', sentAt: LATER }, ':now': LATER },
    });
  });
});

describe('OrderRepository.beginCompensation', () => {
  const steps = ['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure'] as const;

  it('records the steps, the error and when, only on a stored order not final and not compensating yet', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await expect(repo.beginCompensation('ord-1', steps, 'ApiGateway.503', AT)).resolves.toBe(true);
    const update = lastUpdate();
    expect(update).toMatchObject({ TableName: TABLE, Key: { orderId: 'ord-1' } });
    expect(update.UpdateExpression).toBe('SET compensation = :compensation, compensationRemaining = :steps, updatedAt = :now');
    expect(update.ExpressionAttributeValues).toMatchObject({
      ':compensation': { error: 'ApiGateway.503', since: AT },
      ':steps': ['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure'],
      ':now': AT,
    });
    expect(update.ConditionExpression).toContain('attribute_exists(orderId) AND attribute_not_exists(compensationRemaining)');
    // The statuses it may start in: the three that are not final, named in the condition.
    const allowed = Object.entries(update.ExpressionAttributeValues!)
      .filter(([name]) => /^:s\d+$/.test(name) && update.ConditionExpression!.includes(name))
      .map(([, status]) => status);
    expect(allowed.sort()).toEqual(['PAYMENT_APPROVED', 'RECEIVED', 'STOCK_RESERVED']);
  });

  it('is false, writing nothing, when compensation started before or the order is final or missing', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    await expect(repo.beginCompensation('ord-1', steps, 'ApiGateway.503', AT)).resolves.toBe(false);
  });

  it('passes other errors on', async () => {
    ddbMock.on(UpdateCommand).rejects(awsError('ProvisionedThroughputExceededException', 400));
    await expect(repo.beginCompensation('ord-1', steps, 'ApiGateway.503', AT)).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });
});

describe('OrderRepository.completeCompensationStep', () => {
  it('removes the step at its place, conditional on it still being there', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await repo.completeCompensationStep('ord-1', 'VoidPayment', ['VoidPayment', 'MarkFailed', 'NotifyFailure'], LATER);
    expect(lastUpdate()).toMatchObject({
      Key: { orderId: 'ord-1' },
      UpdateExpression: 'SET updatedAt = :now REMOVE compensationRemaining[0]',
      ConditionExpression: 'compensationRemaining[0] = :step',
      ExpressionAttributeValues: { ':step': 'VoidPayment', ':now': LATER },
    });
    await repo.completeCompensationStep('ord-1', 'NotifyFailure', ['MarkFailed', 'NotifyFailure'], LATER);
    expect(lastUpdate()).toMatchObject({ UpdateExpression: 'SET updatedAt = :now REMOVE compensationRemaining[1]', ConditionExpression: 'compensationRemaining[1] = :step' });
  });

  it('writes nothing for a step not on the list', async () => {
    await repo.completeCompensationStep('ord-1', 'ReleaseStock', ['VoidPayment'], LATER);
    expect(ddbMock).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('changes nothing when the step was taken off already (a retry)', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    await expect(repo.completeCompensationStep('ord-1', 'VoidPayment', ['VoidPayment'], LATER)).resolves.toBeUndefined();
  });

  it('passes other errors on', async () => {
    ddbMock.on(UpdateCommand).rejects(awsError('InternalServerError', 500));
    await expect(repo.completeCompensationStep('ord-1', 'VoidPayment', ['VoidPayment'], LATER)).rejects.toMatchObject({ name: 'InternalServerError' });
  });
});

describe('OrderRepository.recordRedrive', () => {
  it('appends a REDRIVEN entry with the status and the count, only for a count not recorded yet', async () => {
    ddbMock.on(UpdateCommand).resolves({});
    await expect(repo.recordRedrive('ord-1', 2, 'STOCK_RESERVED', LATER)).resolves.toBe(true);
    expect(lastUpdate()).toMatchObject({
      Key: { orderId: 'ord-1' },
      UpdateExpression: 'SET redriveCount = :count, #history = list_append(#history, :entry), updatedAt = :now',
      ConditionExpression: 'attribute_exists(orderId) AND (attribute_not_exists(redriveCount) OR redriveCount < :count)',
      ExpressionAttributeValues: { ':count': 2, ':entry': [{ status: 'STOCK_RESERVED', at: LATER, event: 'REDRIVEN', redriveCount: 2 }], ':now': LATER },
    });
  });

  it('is false when this redrive was recorded already (or the order is missing)', async () => {
    ddbMock.on(UpdateCommand).rejects(conditionFailed());
    await expect(repo.recordRedrive('ord-1', 1, 'FAILED', LATER)).resolves.toBe(false);
  });
});
