// The local AWS endpoint, driven by real AWS clients: the SDK v3 clients (Step Functions, CloudFormation, SNS,
// DynamoDB), the AWS CLI v1 and `sls invoke stepf`. The operations, members and error codes asserted here are those
// of the services' API references (Step Functions: StartExecution, DescribeExecution, StopExecution,
// RedriveExecution, ListExecutions, GetExecutionHistory, ListStateMachines, DescribeStateMachine, DescribeStateMachineForExecution;
// CloudFormation: DescribeStacks; SNS: Publish, ListTopics); tests/local/aws/serviceModel.test.ts checks the same
// answers member by member against AWS's published service models.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { ListTopicsCommand, PublishCommand, SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { awsEnvironmentLine } from '../../local/aws/endpoint.ts';
import { projectRoot } from '../../local/stack/serverlessConfig.ts';
import { SERVICE_MODELS_MISSING, serviceModel, shapeProblems } from '../support/awsServiceModel.ts';
import { useLocalStack } from '../support/localStack.ts';
import { orderInput } from '../workflow/support.ts';

const run = promisify(execFile);
// Only this file's provider-failure order waits between ValidatePayment retries: it stays RUNNING long enough to
// be listed and stopped. Every other order here needs no retry.
const stack = useLocalStack({ retryIntervalOverrides: { ValidatePayment: 60_000 } });

/** The variables `npm start` prints, for the clients and the child processes (plus no shared AWS config files). */
function awsEnvironment(): Record<string, string> {
  const line = awsEnvironmentLine(stack.current.awsEndpoint, stack.current.resolver.region, stack.current.accessKeyId);
  const vars = Object.fromEntries(
    line
      .replace(/^export /, '')
      .split(' ')
      .map((pair) => pair.split('=') as [string, string]),
  );
  return { ...vars, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
}

function clientConfig(accessKeyId = 'someone-else') {
  return { endpoint: stack.current.awsEndpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'local' } };
}

async function untilStopped(sfn: SFNClient, executionArn: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') return status!;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${executionArn} still RUNNING`);
}

async function historyOf(sfn: SFNClient, executionArn: string, pageSize?: number, reverseOrder?: boolean): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: pageSize, reverseOrder }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

describe('Step Functions on the local AWS endpoint (SDK v3 SFNClient)', () => {
  it('lists and describes the state machine with its resolved definition', async () => {
    const sfn = new SFNClient(clientConfig());
    const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines).toEqual([
      expect.objectContaining({ name: 'order-pipeline-local', type: 'STANDARD', stateMachineArn: stack.current.stepFunctions.stateMachineArn }),
    ]);
    expect(stateMachines![0]!.creationDate).toBeInstanceOf(Date);
    const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: stack.current.stepFunctions.stateMachineArn }));
    expect(described).toMatchObject({ status: 'ACTIVE', type: 'STANDARD', roleArn: expect.stringMatching(/^arn:aws:iam::000000000000:role\//) });
    const definition = JSON.parse(described.definition!) as { StartAt: string; States: Record<string, { Parameters?: Record<string, unknown> }> };
    expect(definition.StartAt).toBe('ReceiveOrder');
    // Resolved: the intrinsics of the YAML are local values now.
    expect(definition.States.ReceiveOrder!.Parameters!.FunctionName).toBe('arn:aws:lambda:us-east-1:000000000000:function:order-pipeline-local-receiveOrder');
    // serverless.yml: tracingConfig.enabled true; loggingConfig level from the `default` params (ERROR) to the log group.
    expect(described.tracingConfiguration).toEqual({ enabled: true });
    expect(described.loggingConfiguration).toEqual({
      level: 'ERROR',
      includeExecutionData: false,
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/vendedlogs/states/order-pipeline-local:*' } }],
    });
  });

  it('starts an execution, follows it to SUCCEEDED and reads its history in pages, both ways', async () => {
    const sfn = new SFNClient(clientConfig());
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: stack.current.stepFunctions.stateMachineArn, name: 'aws-endpoint-1', input: JSON.stringify(orderInput([{ sku: 'SKU-1', quantity: 1 }])) }),
    );
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:order-pipeline-local:aws-endpoint-1');
    expect(started.startDate).toBeInstanceOf(Date);
    expect(await untilStopped(sfn, started.executionArn!)).toBe('SUCCEEDED');
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(JSON.parse(described.output!)).toMatchObject({ orderId: 'aws-endpoint-1', status: 'CONFIRMED' });
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());

    const all = await historyOf(sfn, started.executionArn!);
    expect(all[0]).toMatchObject({ id: 1, previousEventId: 0, type: 'ExecutionStarted' });
    expect(all.at(-1)!.type).toBe('ExecutionSucceeded');
    expect(all.map((event) => event.id)).toEqual(all.map((_event, i) => i + 1));
    expect(all.every((event) => event.timestamp instanceof Date)).toBe(true);
    // Pages of 3 give the same events; reverseOrder gives them last first.
    expect(await historyOf(sfn, started.executionArn!, 3)).toEqual(all);
    expect(await historyOf(sfn, started.executionArn!, 4, true)).toEqual([...all].reverse());
    // includeExecutionData: false leaves the input out.
    const bare = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, includeExecutionData: false, maxResults: 1 }));
    expect(bare.events![0]!.executionStartedEventDetails).not.toHaveProperty('input');
    expect(all[0]!.executionStartedEventDetails).toHaveProperty('input');

    const forExecution = await sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn: started.executionArn }));
    expect(forExecution.stateMachineArn).toBe(stack.current.stepFunctions.stateMachineArn);
    expect(JSON.parse(forExecution.definition!)).toHaveProperty('StartAt', 'ReceiveOrder');
  });

  it('stops a RUNNING execution: ABORTED with the error and cause given, and ExecutionAborted last', async () => {
    const sfn = new SFNClient(clientConfig());
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.current.stepFunctions.stateMachineArn,
        name: 'aws-endpoint-stop',
        input: JSON.stringify(orderInput([{ sku: 'SKU-1', quantity: 1 }], 'tok_chargeDeclinedProcessingError')),
      }),
    );
    // It waits 60 s before its first ValidatePayment retry: listed as RUNNING.
    await expect.poll(async () => (await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.current.stepFunctions.stateMachineArn, statusFilter: 'RUNNING' }))).executions?.map((e) => e.name)).toContain('aws-endpoint-stop');
    const stopped = await sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped by the test' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'stopped by the test' });
    const history = await historyOf(sfn, executionArn!);
    expect(history.at(-1)).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Operator', cause: 'stopped by the test' } });
  });

  it('lists executions newest first, filtered by status, in pages', async () => {
    const sfn = new SFNClient(clientConfig());
    const stateMachineArn = stack.current.stepFunctions.stateMachineArn;
    for (const name of ['aws-endpoint-list-a', 'aws-endpoint-list-b', 'aws-endpoint-list-c']) {
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(orderInput([{ sku: 'SKU-2', quantity: 1 }], 'tok_chargeDeclined')) }));
      expect(await untilStopped(sfn, executionArn!)).toBe('SUCCEEDED');
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct start dates
    }
    const names: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED', maxResults: 2, nextToken }));
      expect(page.executions!.length).toBeLessThanOrEqual(2);
      expect(page.executions!.every((execution) => execution.status === 'SUCCEEDED')).toBe(true);
      names.push(...page.executions!.map((execution) => execution.name!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    expect(pages).toBeGreaterThanOrEqual(2);
    const listed = names.filter((name) => name.startsWith('aws-endpoint-list-'));
    expect(listed).toEqual(['aws-endpoint-list-c', 'aws-endpoint-list-b', 'aws-endpoint-list-a']);
  });

  it('answers bad requests with the errors Step Functions raises, as SDK exception classes', async () => {
    const sfn = new SFNClient(clientConfig());
    const arn = stack.current.stepFunctions.stateMachineArn;
    const missing = `${arn.replace(':stateMachine:', ':execution:')}:no-such-order`;
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: missing }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(sfn.send(new GetExecutionHistoryCommand({ executionArn: missing }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' }))).rejects.toBeInstanceOf(InvalidArn);
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: `${arn}-other` }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, nextToken: 'forged' }))).rejects.toBeInstanceOf(InvalidToken);
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 5000 }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/maxResults/),
    });
    // A token from one query is refused by another (here: another status filter).
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1 }));
    expect(page.nextToken).toBeDefined();
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: 1, statusFilter: 'FAILED', nextToken: page.nextToken }))).rejects.toBeInstanceOf(InvalidToken);
    const unsupported = await fetch(stack.current.awsEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.CreateStateMachine' },
      body: '{}',
    });
    expect(unsupported.status).toBe(400);
    expect(await unsupported.json()).toMatchObject({ __type: 'UnknownOperationException', message: expect.stringMatching(/CreateStateMachine/) });
    const notJson = await fetch(stack.current.awsEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.ListExecutions' },
      body: '{not json',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ __type: 'SerializationException' });
    const wrongType = sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: 'bad name with spaces', input: '{}' }));
    await expect(wrongType).rejects.toBeInstanceOf(SFNServiceException);
    await expect(wrongType).rejects.toMatchObject({ name: 'InvalidName' });
  });
});

describe.skipIf(SERVICE_MODELS_MISSING !== undefined)(
  `Step Functions answers against AWS's service model (botocore stepfunctions/2016-11-23)${SERVICE_MODELS_MISSING ? ` (skipped: ${SERVICE_MODELS_MISSING})` : ''}`,
  () => {
    const call = async (operation: string, request: Record<string, unknown>) => {
      const response = await fetch(stack.current.awsEndpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AWSStepFunctions.${operation}` },
        body: JSON.stringify(request),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    it('every operation answers its output shape, and its errors are ones the model lists for it', async () => {
      const model = serviceModel('stepfunctions')!;
      const stateMachineArn = stack.current.stepFunctions.stateMachineArn;
      const started = await call('StartExecution', { stateMachineArn, name: 'aws-model-1', input: JSON.stringify(orderInput([{ sku: 'SKU-1', quantity: 1 }])) });
      const executionArn = started.body.executionArn as string;
      await stack.current.waitForExecution('aws-model-1', 30_000);
      // A compensated order (out of stock: TaskFailed, caught, a Choice) and an invalid one (rejected at ReceiveOrder).
      const compensated = await call('StartExecution', { stateMachineArn, name: 'aws-model-2', input: JSON.stringify(orderInput([{ sku: 'SKU-6', quantity: 2 }])) });
      const failed = await call('StartExecution', { stateMachineArn, name: 'aws-model-3', input: JSON.stringify({ ...orderInput([{ sku: 'SKU-1', quantity: 1 }]), orderId: 'not-the-execution-name' }) });
      await Promise.all(['aws-model-2', 'aws-model-3'].map((name) => stack.current.waitForExecution(name, 30_000)));
      // An ABORTED one to redrive: stopped while ValidatePayment waits 60 s to retry (redriven, it waits again).
      const aborted = await call('StartExecution', { stateMachineArn, name: 'aws-model-4', input: JSON.stringify(orderInput([{ sku: 'SKU-1', quantity: 1 }], 'tok_chargeDeclinedProcessingError')) });
      await call('StopExecution', { executionArn: aborted.body.executionArn });
      expect((await stack.current.waitForExecution('aws-model-4', 30_000)).status).toBe('ABORTED');
      const calls: Array<[string, Record<string, unknown>]> = [
        ['GetExecutionHistory', { executionArn: compensated.body.executionArn }],
        ['GetExecutionHistory', { executionArn: failed.body.executionArn }],
        ['DescribeExecution', { executionArn: failed.body.executionArn }],
        ['StartExecution', { stateMachineArn, name: 'aws-model-1', input: JSON.stringify(orderInput([{ sku: 'SKU-1', quantity: 9 }])) }],
        ['DescribeExecution', { executionArn }],
        ['ListExecutions', { stateMachineArn, maxResults: 1 }],
        ['GetExecutionHistory', { executionArn }],
        ['GetExecutionHistory', { executionArn, includeExecutionData: false, reverseOrder: true }],
        ['ListStateMachines', {}],
        ['DescribeStateMachine', { stateMachineArn }],
        ['DescribeStateMachineForExecution', { executionArn }],
        ['StopExecution', { executionArn: `${executionArn}-missing` }],
        ['RedriveExecution', { executionArn: aborted.body.executionArn, clientToken: 'aws-model-redrive' }],
        ['ListExecutions', { stateMachineArn, redriveFilter: 'REDRIVEN' }],
        ['RedriveExecution', { executionArn }],
        ['DescribeExecution', { executionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:x' }],
        ['ListExecutions', { stateMachineArn: `${stateMachineArn}x` }],
      ];
      expect(started.status).toBe(200);
      expect(shapeProblems(model, model.operations.StartExecution!.output!.shape, started.body)).toEqual([]);
      const statuses: Record<string, unknown> = {};
      for (const [operation, request] of calls) {
        const { status, body } = await call(operation, request);
        if (operation === 'RedriveExecution') statuses[String(request.executionArn)] = body.__type ?? status;
        const spec = model.operations[operation]!;
        if (status === 200) {
          expect({ operation, problems: shapeProblems(model, spec.output!.shape, body) }).toEqual({ operation, problems: [] });
        } else {
          // The error code is one the model declares for this operation (ValidationException is common to all).
          const declared = [...(spec.errors ?? []).map((error) => error.shape), 'ValidationException'];
          expect({ operation, error: body.__type }).toEqual({ operation, error: expect.toBeOneOf(declared) });
        }
      }
      // The redrive of the ABORTED one succeeds; the SUCCEEDED one is ExecutionNotRedrivable (API reference, RedriveExecution).
      expect(statuses).toEqual({ [String(aborted.body.executionArn)]: 200, [executionArn]: 'ExecutionNotRedrivable' });
    });
  },
);

describe('CloudFormation, SNS and DynamoDB on the same endpoint', () => {
  it('describes the local stack with the packaged Outputs resolved to local values', async () => {
    const cfn = new CloudFormationClient(clientConfig());
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'order-pipeline-local' }));
    expect(Stacks).toHaveLength(1);
    expect(Stacks![0]).toMatchObject({ StackName: 'order-pipeline-local', StackStatus: 'CREATE_COMPLETE' });
    const outputs = Object.fromEntries(Stacks![0]!.Outputs!.map((output) => [output.OutputKey, output.OutputValue]));
    expect(outputs.OrderPipelineStateMachineArn).toBe(stack.current.stepFunctions.stateMachineArn);
    expect(outputs.OrdersTableName).toBe(stack.current.tables.get('OrdersTable')!.tableName);
    expect(outputs.NotificationsTopicArn).toBe('arn:aws:sns:us-east-1:000000000000:order-pipeline-local-notifications');
    expect(outputs.ServiceEndpoint).toBe(stack.current.url);
    await expect(cfn.send(new DescribeStacksCommand({ StackName: 'order-pipeline-prod' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id order-pipeline-prod does not exist',
    });
  });

  it('lists the topics and publishes into the outbox; refuses what it does not emulate', async () => {
    const sns = new SNSClient(clientConfig());
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    // serverless.yml's two topics: the customers' notifications and the operators' alarms.
    expect(Topics).toEqual([
      { TopicArn: 'arn:aws:sns:us-east-1:000000000000:order-pipeline-local-notifications' },
      { TopicArn: 'arn:aws:sns:us-east-1:000000000000:order-pipeline-local-operations' },
    ]);
    const { MessageId } = await sns.send(new PublishCommand({ TopicArn: Topics![0]!.TopicArn, Message: 'hello from the endpoint test', Subject: 'test' }));
    expect(stack.current.outbox.messages.find((message) => message.messageId === MessageId)?.message).toBe('hello from the endpoint test');
    const { CreateTopicCommand } = await import('@aws-sdk/client-sns');
    const refused = sns.send(new CreateTopicCommand({ Name: 'x' }));
    await expect(refused).rejects.toBeInstanceOf(SNSServiceException);
    await expect(refused).rejects.toMatchObject({ name: 'InvalidAction' });
  });

  it('forwards DynamoDB to DynamoDB Local: any access key sees the stack tables', async () => {
    const dynamodb = new DynamoDBClient(clientConfig('a-key-of-my-own'));
    const { Items } = await dynamodb.send(new ScanCommand({ TableName: stack.current.tables.get('InventoryTable')!.tableName }));
    const skus = (Items ?? []).map((item) => item.sku?.S).sort();
    expect(skus).toEqual((await stack.current.inventory()).map((item) => item.sku).sort());
    expect(skus.length).toBeGreaterThan(0);
  });
});

const awsCli = await run('aws', ['--version']).then(
  () => true,
  () => false,
);

describe.skipIf(!awsCli)(`the AWS CLI against the local endpoint${awsCli ? '' : ' (skipped: `aws` is not installed)'}`, () => {
  const aws = async (...args: string[]): Promise<unknown> => {
    const { stdout } = await run('aws', ['--output', 'json', ...args], { env: { ...process.env, ...awsEnvironment() }, timeout: 60_000 });
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as unknown);
  };

  it('lists state machines, starts an execution, reads its AWS-format history, describes the stack and scans the orders table', async () => {
    const endpoint = ['--endpoint-url', stack.current.awsEndpoint];
    const machines = (await aws('stepfunctions', 'list-state-machines', ...endpoint)) as { stateMachines: Array<{ stateMachineArn: string }> };
    expect(machines.stateMachines.map((machine) => machine.stateMachineArn)).toEqual([stack.current.stepFunctions.stateMachineArn]);
    const started = (await aws(
      'stepfunctions', 'start-execution', ...endpoint,
      '--state-machine-arn', stack.current.stepFunctions.stateMachineArn,
      '--name', 'aws-cli-1',
      '--input', JSON.stringify(orderInput([{ sku: 'SKU-1', quantity: 1 }])),
    )) as { executionArn: string };
    await stack.current.waitForExecution('aws-cli-1', 30_000);
    const history = (await aws('stepfunctions', 'get-execution-history', ...endpoint, '--execution-arn', started.executionArn)) as {
      events: Array<{ id: number; previousEventId: number; type: string }>;
    };
    expect(history.events[0]).toMatchObject({ id: 1, type: 'ExecutionStarted' });
    expect(history.events.map((event) => event.type)).toContain('TaskStateEntered');
    expect(history.events.at(-1)!.type).toBe('ExecutionSucceeded');
    const stacks = (await aws('cloudformation', 'describe-stacks', ...endpoint, '--stack-name', 'order-pipeline-local')) as {
      Stacks: Array<{ Outputs: Array<{ OutputKey: string; OutputValue: string }> }>;
    };
    expect(stacks.Stacks[0]!.Outputs.find((output) => output.OutputKey === 'OrderPipelineStateMachineArn')?.OutputValue).toBe(stack.current.stepFunctions.stateMachineArn);
    const scanned = (await aws('dynamodb', 'scan', ...endpoint, '--table-name', stack.current.tables.get('OrdersTable')!.tableName)) as {
      Items: Array<{ orderId: { S: string }; status: { S: string } }>;
    };
    expect(scanned.Items.find((item) => item.orderId.S === 'aws-cli-1')?.status.S).toBe('CONFIRMED');
    // An AWS-shaped error the CLI parses: exit 254/255 with the error code on stderr.
    const failed = await run('aws', ['stepfunctions', 'describe-execution', ...endpoint, '--execution-arn', `${started.executionArn}-missing`], {
      env: { ...process.env, ...awsEnvironment() },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ stderr: expect.stringMatching(/ExecutionDoesNotExist/) });
  });
});

describe('sls invoke stepf --stage local, the real plugin against the endpoint', () => {
  const invoke = (path: string) =>
    run(process.execPath, [join(projectRoot, 'node_modules/osls/bin/serverless.js'), 'invoke', 'stepf', '--name', 'orderPipeline', '--path', path, '--stage', 'local'], {
      cwd: projectRoot,
      env: { ...process.env, ...awsEnvironment(), SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      timeout: 60_000,
    });

  it.concurrent('prints a CONFIRMED order for examples/order.json', async () => {
    const { stdout } = await invoke('examples/order.json');
    // The plugin prints DescribeExecution's answer once the execution has stopped.
    const described = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { status: string; output: string };
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output) as { status: string; orderId: string };
    expect(output.status).toBe('CONFIRMED');
    expect((await stack.current.order(output.orderId))?.status).toBe('CONFIRMED');
  });

  it.concurrent('prints a REJECTED order for a declined card', async () => {
    const { stdout } = await invoke('tests/integration/fixtures/declined-order.json');
    const described = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { status: string; output: string };
    expect(described.status).toBe('SUCCEEDED'); // a rejected order is a successful execution
    expect(JSON.parse(described.output)).toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED' });
  });
});
