// The local AWS endpoint must speak the wire formats the installed SDK clients write and parse: checked here
// with the real @aws-sdk/client-sns and client-sfn against the local server (no Java, no AWS). The whole stack
// behind it is driven by SDK clients, the AWS CLI and `sls invoke stepf` in tests/integration/awsEndpoint.test.ts.
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { NotFoundException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFormationApi } from '../../../local/aws/cloudFormation.ts';
import { rescopeAuthorization } from '../../../local/aws/dynamodb.ts';
import { AwsEndpoint } from '../../../local/aws/endpoint.ts';
import { AwsError, decodePageToken, encodePageToken, JsonMembers, signingService } from '../../../local/aws/protocol.ts';
import { parseMessageAttributes, parsePublish, SnsApi } from '../../../local/aws/sns.ts';
import { describeExecutionResponse, StepFunctionsApi } from '../../../local/aws/stepFunctions.ts';
import { ExecutionRegistry, StepFunctionsError } from '../../../local/engine/executions.ts';
import type { LocalStepFunctions } from '../../../local/engine/stepFunctions.ts';
import { Outbox } from '../../../local/stack/outbox.ts';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:shop-local-notifications';
const STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:shop-local';

describe('awsQuery parsing', () => {
  it('reads MessageAttributes.entry.N into a map', () => {
    const form = new Map([
      ['MessageAttributes.entry.2.Name', 'orderId'],
      ['MessageAttributes.entry.2.Value.DataType', 'String'],
      ['MessageAttributes.entry.2.Value.StringValue', 'o-1'],
      ['MessageAttributes.entry.1.Name', 'count'],
      ['MessageAttributes.entry.1.Value.DataType', 'Number'],
      ['MessageAttributes.entry.1.Value.StringValue', '3'],
    ]);
    expect(parseMessageAttributes(form)).toEqual({
      count: { DataType: 'Number', StringValue: '3' },
      orderId: { DataType: 'String', StringValue: 'o-1' },
    });
  });

  it('refuses what SNS refuses', () => {
    expect(() => parsePublish(new Map([['Message', 'x']]))).toThrow(AwsError);
    expect(() => parsePublish(new Map([['TopicArn', TOPIC]]))).toThrow(/Empty message/);
    expect(() => parsePublish(new Map([['TopicArn', TOPIC], ['Message', 'x'], ['Subject', 'a'.repeat(101)]]))).toThrow(/Subject/);
    expect(() =>
      parsePublish(new Map([['TopicArn', TOPIC], ['Message', 'x'], ['MessageAttributes.entry.1.Name', 'a'], ['MessageAttributes.entry.1.Value.DataType', 'Date']])),
    ).toThrow(/invalid message attribute type/);
  });

  it('finds the signing service in the Authorization header', () => {
    expect(signingService('AWS4-HMAC-SHA256 Credential=local/20261124/us-east-1/sns/aws4_request, SignedHeaders=host')).toBe('sns');
    expect(signingService(undefined)).toBeUndefined();
  });

  it('answers DescribeExecution with epoch-second dates and only the fields that exist', () => {
    const body = describeExecutionResponse({
      executionArn: 'arn:x',
      stateMachineArn: STATE_MACHINE,
      name: 'o-1',
      status: 'FAILED',
      input: '{}',
      error: 'OrderFailed',
      startDate: new Date(1_000_500),
      stopDate: new Date(1_002_000),
      history: [],
    });
    expect(body).toMatchObject({ startDate: 1000.5, stopDate: 1002, error: 'OrderFailed', status: 'FAILED' });
    expect(body).not.toHaveProperty('output');
    expect(body).not.toHaveProperty('cause');
  });
});

describe('the local AWS endpoint with the real SDK clients', () => {
  const outbox = new Outbox(new Set([TOPIC]), undefined);
  const registry = new ExecutionRegistry(STATE_MACHINE);
  // The registry's rules with no engine behind them: executions stay RUNNING unless finished by the test.
  const stepFunctions = {
    startExecution: ({ name, input }: { name?: string; input?: string }) => registry.begin(name ?? 'generated', input ?? '{}'),
    describeExecution: (arn: string) => {
      const record = registry.getByArn(arn);
      if (!record) throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
      return record;
    },
  } as unknown as LocalStepFunctions;
  const machine = {
    stateMachineArn: STATE_MACHINE,
    name: 'shop-local',
    type: 'STANDARD' as const,
    roleArn: 'arn:aws:iam::000000000000:role/shop-local',
    definition: '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}',
    creationDate: new Date(0),
    loggingConfiguration: { level: 'OFF' as const, includeExecutionData: false },
    tracingConfiguration: { enabled: false },
  };
  const stackDescription = { stackName: 'shop-local', stackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/shop-local/1', creationTime: new Date(0), outputs: [] };
  const endpoints = new AwsEndpoint({
    stepFunctions: new StepFunctionsApi({ ...stepFunctions, registry } as unknown as LocalStepFunctions, machine),
    sns: new SnsApi(outbox),
    cloudFormation: new CloudFormationApi(stackDescription),
  });
  let sns: SNSClient;
  let sfn: SFNClient;

  beforeAll(async () => {
    const url = await endpoints.listen(0);
    const options = { endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 };
    sns = new SNSClient(options);
    sfn = new SFNClient(options);
  });
  afterAll(async () => {
    sns.destroy();
    sfn.destroy();
    await endpoints.close();
  });

  it('SNS Publish lands in the outbox with subject and attributes, and the MessageId comes back', async () => {
    const out = await sns.send(
      new PublishCommand({
        TopicArn: TOPIC,
        Subject: 'Order o-1 confirmed',
        Message: 'Hello Ana,\n\nconfirmed & <paid>',
        MessageAttributes: {
          eventType: { DataType: 'String', StringValue: 'OrderConfirmed' },
          orderId: { DataType: 'String', StringValue: 'o-1' },
        },
      }),
    );
    const message = outbox.messages.at(-1)!;
    expect(out.MessageId).toBe(message.messageId);
    expect(message).toMatchObject({
      topicArn: TOPIC,
      subject: 'Order o-1 confirmed',
      message: 'Hello Ana,\n\nconfirmed & <paid>',
      attributes: { eventType: { DataType: 'String', StringValue: 'OrderConfirmed' }, orderId: { DataType: 'String', StringValue: 'o-1' } },
    });
  });

  it('SNS Publish to an unknown topic is the SDK NotFoundException', async () => {
    const error = await sns.send(new PublishCommand({ TopicArn: `${TOPIC}-nope`, Message: 'x' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundException);
  });

  it('StartExecution returns the ARN and date; a used name is the SDK ExecutionAlreadyExists; DescribeExecution reads it back', async () => {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE, name: 'o-1', input: '{"a":1}' }));
    expect(started.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:shop-local:o-1');
    expect(started.startDate).toBeInstanceOf(Date);

    const same = await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE, name: 'o-1', input: '{"a":1}' }));
    expect(same.executionArn).toBe(started.executionArn);
    const other = await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE, name: 'o-1', input: '{"a":2}' })).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(ExecutionAlreadyExists);

    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described).toMatchObject({ name: 'o-1', status: 'RUNNING', input: '{"a":1}', stateMachineArn: STATE_MACHINE });
    expect(described.startDate?.getTime()).toBe(started.startDate?.getTime());

    const missing = await sfn.send(new DescribeExecutionCommand({ executionArn: `${started.executionArn}-x` })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ExecutionDoesNotExist);
  });
});

describe('requests the endpoint does not emulate get AWS-shaped errors', () => {
  const outbox = new Outbox(new Set([TOPIC]), undefined);
  const endpoint = new AwsEndpoint({
    stepFunctions: {} as StepFunctionsApi,
    sns: new SnsApi(outbox),
    cloudFormation: new CloudFormationApi({ stackName: 's', stackId: 'id', creationTime: new Date(0), outputs: [] }),
  });

  it('another service over awsJson: UnknownOperationException in JSON, naming what is emulated', async () => {
    const reply = await endpoint.answer('POST', { 'x-amz-target': 'AmazonSQS.SendMessage', 'content-type': 'application/x-amz-json-1.0' }, '{}');
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toMatchObject({ __type: 'UnknownOperationException', message: expect.stringMatching(/Step Functions/) });
  });

  it('another service over awsQuery: InvalidAction in XML', async () => {
    const reply = await endpoint.answer(
      'POST',
      { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 Credential=k/20261201/us-east-1/sqs/aws4_request' },
      'Action=SendMessage&Version=2012-11-05',
    );
    expect(reply).toMatchObject({ status: 400, contentType: 'text/xml' });
    expect(reply.body).toMatch(/<Code>InvalidAction<\/Code>/);
  });

  it('DynamoDB with no DynamoDB Local behind it: a JSON error, not a hang', async () => {
    const reply = await endpoint.answer('POST', { 'x-amz-target': 'DynamoDB_20120810.ListTables' }, '{}');
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toHaveProperty('__type', 'UnknownOperationException');
  });

  it('an SNS action it does not have: InvalidAction; ListTopics lists the topics', async () => {
    const refused = await endpoint.answer('POST', { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=CreateTopic&Name=x&Version=2010-03-31');
    expect(refused.body).toMatch(/<Code>InvalidAction<\/Code>/);
    const listed = await endpoint.answer('POST', { 'content-type': 'application/x-www-form-urlencoded' }, 'Action=ListTopics&Version=2010-03-31');
    expect(listed.status).toBe(200);
    expect(listed.body).toContain(`<TopicArn>${TOPIC}</TopicArn>`);
  });
});

describe('protocol helpers', () => {
  it('rescopes a SigV4 credential to the stack access key and region, keeping the date', () => {
    expect(rescopeAuthorization('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc', 'local', 'us-east-1')).toBe(
      'AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc',
    );
    expect(rescopeAuthorization(undefined, 'local', 'us-east-1')).toBeUndefined();
  });

  it('words constraint violations as AWS does and types mismatches as SerializationException', () => {
    // "1 validation error detected: Value ... at '...' failed to satisfy constraint: ..." is AWS's wording
    // (Step Functions API reference, Common Errors: ValidationException).
    expect(() => new JsonMembers({ maxResults: 1001 }).integer('maxResults', { min: 0, max: 1000 })).toThrow(
      "1 validation error detected: Value 1001 at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
    expect(() => new JsonMembers({}).string('executionArn', { required: true })).toThrow(/Value null at 'executionArn'.*must not be null/);
    expect(() => new JsonMembers({ name: 7 }).string('name')).toThrow(expect.objectContaining({ code: 'SerializationException' }));
    expect(() => new JsonMembers({ statusFilter: 'DONE' }).oneOf('statusFilter', ['RUNNING', 'SUCCEEDED'])).toThrow(/enum value set: \[RUNNING, SUCCEEDED\]/);
  });

  it('page tokens round-trip in their own scope only', () => {
    const token = encodePageToken(200, 'executions:x:*');
    expect(decodePageToken(token, 'executions:x:*')).toBe(200);
    expect(() => decodePageToken(token, 'executions:x:FAILED')).toThrow(expect.objectContaining({ code: 'InvalidToken' }));
    expect(() => decodePageToken('!!!', 'executions:x:*')).toThrow(expect.objectContaining({ code: 'InvalidToken' }));
    expect(decodePageToken(undefined, 'any')).toBe(0);
  });
});
