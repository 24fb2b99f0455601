// The handlers build their clients through lib/clients.ts (a traced DynamoDBClient inside a document client).
// These tests prove that mockClient(Class) — what every handler test relies on — intercepts those instances.
import { beforeEach, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { getDocumentClient, getSfnClient, getSnsClient } from '../../../lib/clients.ts';
import { ddbMock, resetAwsMocks, sfnMock, snsMock } from '../support/aws.ts';

beforeEach(() => resetAwsMocks());

describe('lib/clients', () => {
  it('builds each client once per container', () => {
    expect(getDocumentClient()).toBe(getDocumentClient());
    expect(getSnsClient()).toBe(getSnsClient());
    expect(getSfnClient()).toBe(getSfnClient());
  });

  it('the document client is intercepted by mockClient(DynamoDBDocumentClient) and sees native values', async () => {
    ddbMock.on(GetCommand, { TableName: 'orders-test', Key: { orderId: 'o1' } }).resolves({ Item: { orderId: 'o1', total: 10 } });
    const out = await getDocumentClient().send(new GetCommand({ TableName: 'orders-test', Key: { orderId: 'o1' } }));
    expect(out.Item).toEqual({ orderId: 'o1', total: 10 });
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { TableName: 'orders-test', Key: { orderId: 'o1' } });
  });

  it('the SNS and SFN clients are intercepted by mockClient', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
    await expect(getSnsClient().send(new PublishCommand({ TopicArn: 'arn:t', Message: 'hi' }))).resolves.toMatchObject({ MessageId: 'm-1' });
    await expect(getSfnClient().send(new StartExecutionCommand({ stateMachineArn: 'arn:sm' }))).resolves.toMatchObject({ executionArn: 'arn:x' });
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
  });

  it('an unmocked command answers undefined instead of reaching AWS', async () => {
    expect(await getDocumentClient().send(new GetCommand({ TableName: 't', Key: { orderId: 'x' } }))).toBeUndefined();
    expect(ddbMock).toHaveReceivedCommandTimes(GetCommand, 1);
  });
});
