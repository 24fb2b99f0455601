import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { PublishCommand } from '@aws-sdk/client-sns';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { executionStarter, inventoryRepository, notifier, now, orderRepository, paymentGateway } from '../../../lib/dependencies.ts';
import { ddbMock, resetAwsMocks, sfnMock, snsMock } from '../support/aws.ts';

beforeEach(() => resetAwsMocks());
afterEach(() => {
  delete process.env.FAULTS;
});

describe('lib/dependencies', () => {
  it('now() is an ISO-8601 UTC timestamp', () => {
    expect(now()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('builds the adapters on the tables and topic from the environment', async () => {
    ddbMock.on(GetCommand).resolves({});
    snsMock.on(PublishCommand).resolves({ MessageId: 'm' });
    await orderRepository().get('o1');
    await paymentGateway().findByOrder('o1');
    await notifier().publish({ subject: 's', text: 't', attributes: { eventType: 'e', orderId: 'o1' } });
    expect(ddbMock).toHaveReceivedNthCommandWith(GetCommand, 1, { TableName: process.env.ORDERS_TABLE });
    expect(ddbMock).toHaveReceivedNthCommandWith(GetCommand, 2, { TableName: process.env.PAYMENTS_TABLE });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: process.env.NOTIFICATIONS_TOPIC_ARN });
  });

  it.each([
    ['orders', () => orderRepository().get('o1')],
    ['inventory', () => inventoryRepository().getProducts(['S'])],
    ['payments', () => paymentGateway().findByOrder('o1')],
    ['sns', () => notifier().publish({ subject: 's', text: 't', attributes: { eventType: 'e', orderId: 'o1' } })],
  ] as const)('the %s adapter goes through the fault switch', async (adapter, call) => {
    process.env.FAULTS = `${adapter}:InjectedFor${adapter}:1`;
    await expect(call()).rejects.toMatchObject({ name: `InjectedFor${adapter}` });
    expect(ddbMock).not.toHaveReceivedAnyCommand();
    expect(snsMock).not.toHaveReceivedAnyCommand();
  });

  it('the execution starter does not go through the fault switch', async () => {
    process.env.FAULTS = 'orders:X:always,inventory:X:always,payments:X:always,sns:X:always';
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:x', startDate: new Date() });
    await expect(executionStarter().start('o1', '{}')).resolves.toMatchObject({ executionArn: 'arn:x' });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: process.env.STATE_MACHINE_ARN });
  });
});
