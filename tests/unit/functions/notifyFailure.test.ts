import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { handler } from '../../../functions/notifyFailure/handler.ts';
import { AT, storedOrder } from '../support/fixtures.ts';
import { awsError, conditionFailed, ddbMock, rejectionOf, resetAwsMocks, snsMock } from '../support/aws.ts';
import { lambdaContext } from '../support/lambda.ts';

const notify = (orderId: string, error = 'States.TaskFailed') => handler({ orderId, error }, lambdaContext('order-pipeline-test-notifyFailure'));

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(UpdateCommand).resolves({});
  snsMock.on(PublishCommand).resolves({ MessageId: 'msg-f' });
});

describe('NotifyFailure (notifyFailure)', () => {
  it('tells the customer of a FAILED order, once', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'FAILED') });
    await expect(notify('ord-1')).resolves.toEqual({ orderId: 'ord-1', notified: true });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input.Subject).toBe('Order ord-1 could not be completed');
    expect(input.MessageAttributes?.eventType?.StringValue).toBe('OrderFailed');
    expect(ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeNames).toMatchObject({ '#notice': 'failureNotice' });
  });

  it.each(['RECEIVED', 'CONFIRMED', 'REJECTED', 'STOCK_RESERVED'] as const)('tells no one about a %s order', async (status) => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', status) });
    await expect(notify('ord-1')).resolves.toEqual({ orderId: 'ord-1', notified: false });
    expect(snsMock).not.toHaveReceivedAnyCommand();
    expect(ddbMock).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('tells no one when the order does not exist', async () => {
    ddbMock.on(GetCommand).resolves({});
    await expect(notify('ord-x')).resolves.toEqual({ orderId: 'ord-x', notified: false });
    expect(snsMock).not.toHaveReceivedAnyCommand();
  });

  it('does not publish twice when the failure notice was sent already', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'FAILED') });
    ddbMock.on(UpdateCommand).rejects(conditionFailed({ orderId: 'ord-1', failureNotice: { status: 'SENT', messageId: 'm', sentAt: AT } }));
    await expect(notify('ord-1')).resolves.toEqual({ orderId: 'ord-1', notified: false });
    expect(snsMock).not.toHaveReceivedAnyCommand();
  });

  it('fails with TransientError when SNS throttles', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'FAILED') });
    snsMock.on(PublishCommand).rejects(awsError('ThrottlingException', 400));
    await expect(notify('ord-1')).rejects.toMatchObject({ name: 'TransientError' });
  });
});

describe('NotifyFailure as the last compensation step (the Payload the definition gives it)', () => {
  const step = (event: Record<string, unknown>) => handler({ orderId: 'ord-1', error: 'TransientError', ...event } as never, lambdaContext('order-pipeline-test-notifyFailure'));
  const compensating = { compensation: { error: 'TransientError', since: AT }, compensationRemaining: ['NotifyFailure' as const] };

  it('tells the customer, then takes itself off: compensation done', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'FAILED', compensating) });
    await expect(step({ redriveCount: 0 })).resolves.toEqual({ orderId: 'ord-1', notified: true });
    const last = ddbMock.commandCalls(UpdateCommand).at(-1)!.args[0].input;
    expect(last).toMatchObject({ UpdateExpression: expect.stringContaining('REMOVE compensationRemaining[0]'), ExpressionAttributeValues: { ':step': 'NotifyFailure' } });
  });

  it('never starts compensation itself (MarkFailed leaves it NotifyFailure to do)', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'FAILED') });
    await step({ redriveCount: 0 });
    expect(ddbMock.commandCalls(UpdateCommand).map((call) => call.args[0].input.UpdateExpression).filter((e) => /compensation/.test(e ?? ''))).toEqual([]);
  });

  it('records the redrive when it is the first step to run after one (MarkFailed resumed, then NotifyFailure)', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'FAILED', compensating) });
    await step({ redriveCount: 1 });
    const first = ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(first.ExpressionAttributeValues).toMatchObject({ ':count': 1, ':entry': [{ status: 'FAILED', event: 'REDRIVEN', redriveCount: 1 }] });
  });

  it('fails where it stopped when SNS is down: its message saying NotifyFailure remains, the step still listed', async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder('ord-1', 'FAILED', compensating) });
    snsMock.on(PublishCommand).rejects(awsError('InternalErrorException', 500));
    const error = await rejectionOf(step({ redriveCount: 0 }));
    expect(error.name).toBe('TransientError');
    expect(error.message).toContain('(compensation stopped at NotifyFailure; remaining: NotifyFailure)');
    expect(ddbMock.commandCalls(UpdateCommand).map((call) => call.args[0].input.UpdateExpression).filter((e) => /compensationRemaining/.test(e ?? ''))).toEqual([]);
  });
});
