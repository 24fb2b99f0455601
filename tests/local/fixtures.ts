// A small config shaped like `serverless print --stage local --format json` output, for the local runtime's tests.
import type { Definition } from '../../local/engine/definition.ts';
import type { ExecutionRegistry } from '../../local/engine/executions.ts';
import { functionNameOf, type LocalLambda } from '../../local/engine/lambdaRuntime.ts';
import { LocalStepFunctions, type RetryIntervalOverrides } from '../../local/engine/stepFunctions.ts';
import { CloudFormationResolver } from '../../local/stack/cloudFormation.ts';
import type { ServerlessConfig } from '../../local/stack/serverlessConfig.ts';

export function printedConfig(): ServerlessConfig {
  return {
    service: 'shop',
    provider: {
      name: 'aws',
      stage: 'local',
      region: 'us-east-1',
      timeout: 10,
      memorySize: 512,
      environment: {
        STAGE: 'local',
        ORDERS_TABLE: { Ref: 'OrdersTable' },
        NOTIFICATIONS_TOPIC_ARN: { Ref: 'NotificationsTopic' },
      },
    },
    functions: {
      createOrder: {
        handler: 'functions/createOrder/handler.handler',
        name: 'shop-local-createOrder',
        environment: { STATE_MACHINE_ARN: { Ref: 'PipelineStateMachine' } },
        events: [{ http: { path: 'orders', method: 'post', private: true } }],
      },
      getOrder: {
        handler: 'functions/getOrder/handler.handler',
        name: 'shop-local-getOrder',
        events: [{ http: { path: 'orders/{orderId}', method: 'get', private: true } }],
      },
      validatePayment: {
        handler: 'functions/validatePayment/handler.handler',
        name: 'shop-local-validatePayment',
        events: [{ http: { path: 'payments/validate', method: 'post', authorizer: 'aws_iam' } }],
      },
      'reserve-stock_v2': { handler: 'functions/reserve/handler.handler', name: 'shop-local-reserve-stock_v2' },
    },
    stepFunctions: {
      stateMachines: {
        pipeline: { id: 'PipelineStateMachine', name: 'shop-local', definition: { StartAt: 'A', States: { A: { Type: 'Succeed' } } } },
      },
    },
    resources: {
      Resources: {
        OrdersTable: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            TableName: { 'Fn::Sub': '${AWS::StackName}-orders' },
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [
              { AttributeName: 'orderId', AttributeType: 'S' },
              { AttributeName: 'customerId', AttributeType: 'S' },
            ],
            KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
            GlobalSecondaryIndexes: [
              { IndexName: 'byCustomer', KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
            ],
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            SSESpecification: { SSEEnabled: true },
            TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          },
        },
        LegacyTable: {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            TableName: 'legacy',
            AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
            ProvisionedThroughput: { ReadCapacityUnits: '2', WriteCapacityUnits: 3 },
          },
        },
        NotificationsTopic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'shop-local-notifications' } },
        PipelineLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/vendedlogs/states/shop-local' } },
        SomeRole: { Type: 'AWS::IAM::Role', Properties: {} },
      },
    },
  };
}

/**
 * The local engine over `definition` (as the `pipeline` state machine of printedConfig); every Lambda task runs `fn`
 * with its payload (throw LambdaFunctionError to fail as Lambda does). No other resource is wired.
 */
export function localEngine<P = Record<string, unknown>>(
  definition: Definition,
  fn: (payload: P) => Promise<unknown>,
  options: { retryIntervalOverrides?: RetryIntervalOverrides; registry?: ExecutionRegistry; trace?: (line: string) => void } = {},
): LocalStepFunctions {
  const config = printedConfig();
  config.stepFunctions!.stateMachines!.pipeline!.definition = definition;
  const resolver = new CloudFormationResolver(config);
  const target = resolver.stateMachines.get('pipeline')!;
  const lambda = {
    find: (reference: string) => ({ key: functionNameOf(reference), name: functionNameOf(reference) }) as LocalLambda,
    invoke: (_key: string, payload: unknown) => fn(payload as P),
  };
  const unused = () => {
    throw new Error('not used by these tests');
  };
  return new LocalStepFunctions({
    definition,
    resolver,
    target,
    deps: { lambda, api: { handle: unused }, resolver, dynamodb: { send: unused }, outbox: { publish: unused }, topicArns: new Set() },
    retryIntervalOverrides: options.retryIntervalOverrides ?? 0,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.trace ? { trace: options.trace } : {}),
  });
}
