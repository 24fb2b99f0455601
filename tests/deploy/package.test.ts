// `sls package --stage prod` (offline) and what its CloudFormation template must hold: the state machine with
// logging and tracing, encrypted tables and topic, one least-privilege role per function, the API and its usage
// plan. Plus a `sls print --stage dev` to see the per-stage parameters apply.
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isIntrinsic,
  loadDefinition,
  loadServerlessYaml,
  referencedLogicalId,
  REPO_ROOT,
  stageParam,
  integrationOf,
  type StateMachineDefinition,
} from '../definition/definition.ts';
import { functionForHttp, lambdaLogicalId } from '../definition/sourceCode.ts';
import { packaged, STAGE, type CloudFormationResource, type CloudFormationTemplate, type Packaged } from './packaged.ts';

const config = loadServerlessYaml();
const param = (name: string) => stageParam(config, STAGE, name);

let result: Packaged;
let template: CloudFormationTemplate;
let resources: Record<string, CloudFormationResource>;
let devConfig: Record<string, any>;

beforeAll(async () => {
  // Both run at once: `print` resolves the dev stage (no build) while the prod package builds or is read.
  const devPrint = promisify(execFile)(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/osls/bin/serverless.js'), 'print', '--stage', 'dev', '--format', 'json'],
    { cwd: REPO_ROOT, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', AWS_EC2_METADATA_DISABLED: 'true' }, maxBuffer: 16 * 1024 * 1024 },
  );
  result = await packaged();
  template = result.template;
  resources = template.Resources;
  devConfig = JSON.parse((await devPrint).stdout) as Record<string, any>;
});

// ---- template helpers ----------------------------------------------------------------------------------------------
function ofType(type: string): Array<[string, CloudFormationResource]> {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function resource(id: string, type: string): CloudFormationResource {
  const found = resources[id];
  expect(found, id).toBeDefined();
  expect(found!.Type, id).toBe(type);
  return found!;
}

/** A resource reference in a readable form: logical ids for Ref/GetAtt, the template text of Fn::Sub/Fn::Join. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isIntrinsic(value)) {
    if (typeof value.Ref === 'string') return value.Ref;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return getAtt[1] === 'Arn' ? String(getAtt[0]) : `${getAtt[0]}.${getAtt[1]}`;
    const sub = value['Fn::Sub'];
    if (typeof sub === 'string') return sub;
    if (Array.isArray(sub)) {
      const [text, variables] = sub as [string, Record<string, unknown>];
      return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => (name in variables ? describeValue(variables[name]) : whole));
    }
    const join = value['Fn::Join'];
    if (Array.isArray(join)) return (join[1] as unknown[]).map(describeValue).join(join[0] as string);
  }
  return JSON.stringify(value);
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

/** Every IAM statement in the template, wherever it is (role policies, trust policies, bucket policies...). */
function allStatements(): Array<{ where: string; statement: Statement }> {
  const found: Array<{ where: string; statement: Statement }> = [];
  const walk = (value: unknown, where: string): void => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${where}[${i}]`));
    else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Statement') asArray(inner as Statement | Statement[]).forEach((statement, i) => found.push({ where: `${where}.Statement[${i}]`, statement }));
        else walk(inner, `${where}.${key}`);
      }
    }
  };
  walk(resources, 'Resources');
  return found;
}

/** A role's permissions as sorted "action -> resource" lines (every inline policy; managed policies must be none). */
function grants(roleId: string): string[] {
  const role = resource(roleId, 'AWS::IAM::Role');
  expect(asArray(role.Properties?.ManagedPolicyArns), `${roleId} managed policies`).toEqual([]);
  expect(role.Properties?.PermissionsBoundary, `${roleId} boundary`).toBeUndefined();
  const lines = new Set<string>();
  for (const policy of asArray(role.Properties?.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>)) {
    for (const statement of policy.PolicyDocument.Statement) {
      expect(Object.keys(statement).sort(), `${roleId}: only Effect/Action/Resource`).toEqual(['Action', 'Effect', 'Resource']);
      expect(statement.Effect, roleId).toBe('Allow');
      for (const action of asArray(statement.Action)) {
        for (const target of asArray(statement.Resource)) lines.add(`${action} -> ${describeValue(target)}`);
      }
    }
  }
  return [...lines].sort();
}

const lambdaFunctions = () => ofType('AWS::Lambda::Function');

// ---- the expected permissions: widen one and a test fails ------------------------------------------------------------
const P = '${AWS::Partition}';
const R = '${AWS::Region}';
const A = '${AWS::AccountId}';
/** What serverless gives every function role: its own log group, nothing else. */
const functionLogs = (fn: string) =>
  ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'].map(
    (action) => `${action} -> arn:${P}:logs:${R}:${A}:log-group:/aws/lambda/order-pipeline-${STAGE}-${fn}:*:*`,
  );
/** X-Ray has no resource-level permissions: "*" is the only possible resource. Needed for active tracing. */
const XRAY_WRITE = ['xray:PutTelemetryRecords -> *', 'xray:PutTraceSegments -> *'];
const invoke = (...ids: string[]) => ids.flatMap((id) => [`lambda:InvokeFunction -> ${id}`, `lambda:InvokeFunction -> ${id}:*`]);

const EXPECTED_GRANTS: Record<string, string[]> = {
  CreateOrderIamRoleLambdaExecution: [
    ...functionLogs('createOrder'),
    ...XRAY_WRITE,
    'dynamodb:BatchGetItem -> InventoryTable',
    'states:StartExecution -> OrderPipelineStateMachine',
    `states:DescribeExecution -> arn:${P}:states:${R}:${A}:execution:order-pipeline-${STAGE}:*`,
  ],
  GetOrderIamRoleLambdaExecution: [...functionLogs('getOrder'), ...XRAY_WRITE, 'dynamodb:GetItem -> OrdersTable'],
  ValidatePaymentIamRoleLambdaExecution: [
    ...functionLogs('validatePayment'),
    ...XRAY_WRITE,
    'dynamodb:PutItem -> PaymentsTable', // authorize: a conditional put, the old item returned on conflict
    'dynamodb:UpdateItem -> PaymentsTable', // void, when the order ended meanwhile
    'dynamodb:UpdateItem -> OrdersTable', // RECEIVED -> PAYMENT_APPROVED
  ],
  ReceiveOrderIamRoleLambdaExecution: [
    ...functionLogs('receiveOrder'),
    ...XRAY_WRITE,
    'dynamodb:BatchGetItem -> InventoryTable',
    'dynamodb:PutItem -> OrdersTable', // a conditional put; a re-run gets the stored order back from it
  ],
  ReserveStockIamRoleLambdaExecution: [
    ...functionLogs('reserveStock'),
    ...XRAY_WRITE,
    'dynamodb:UpdateItem -> InventoryTable',
    'dynamodb:GetItem -> OrdersTable',
    'dynamodb:UpdateItem -> OrdersTable',
  ],
  ReleaseStockIamRoleLambdaExecution: [
    ...functionLogs('releaseStock'),
    ...XRAY_WRITE,
    'dynamodb:UpdateItem -> InventoryTable',
    'dynamodb:GetItem -> OrdersTable',
    'dynamodb:UpdateItem -> OrdersTable',
  ],
  VoidPaymentIamRoleLambdaExecution: [
    ...functionLogs('voidPayment'),
    ...XRAY_WRITE,
    'dynamodb:GetItem -> PaymentsTable',
    'dynamodb:UpdateItem -> PaymentsTable',
    'dynamodb:GetItem -> OrdersTable',
    'dynamodb:UpdateItem -> OrdersTable',
  ],
  ...Object.fromEntries(
    ['sendConfirmation', 'rejectOrder', 'notifyFailure'].map((fn) => [
      `${fn.charAt(0).toUpperCase()}${fn.slice(1)}IamRoleLambdaExecution`,
      [...functionLogs(fn), ...XRAY_WRITE, 'dynamodb:GetItem -> OrdersTable', 'dynamodb:UpdateItem -> OrdersTable', 'sns:Publish -> OrderNotificationsTopic'],
    ]),
  ),
  // The reconciler; why each line, and what it must not have, in tests/deploy/reconciler.test.ts.
  ReconcileIamRoleLambdaExecution: [
    ...functionLogs('reconcile'),
    ...XRAY_WRITE,
    'states:ListExecutions -> OrderPipelineStateMachine',
    ...['DescribeExecution', 'GetExecutionHistory', 'RedriveExecution'].map(
      (action) => `states:${action} -> arn:${P}:states:${R}:${A}:execution:order-pipeline-${STAGE}:*`,
    ),
    'dynamodb:Scan -> OrdersTable',
    'sns:Publish -> OperationsTopic',
    'kms:Decrypt -> OperationsTopicKey',
    'kms:GenerateDataKey* -> OperationsTopicKey',
  ],
  OrderPipelineStateMachineRole: [
    ...invoke(
      'ReceiveOrderLambdaFunction',
      'ReserveStockLambdaFunction',
      'SendConfirmationLambdaFunction',
      'RejectOrderLambdaFunction',
      'ReleaseStockLambdaFunction',
      'VoidPaymentLambdaFunction',
      'NotifyFailureLambdaFunction',
    ),
    'dynamodb:UpdateItem -> OrdersTable', // RecordConfirmationFailure, RecordRejectionFailure, MarkFailed
    `execute-api:Invoke -> arn:${P}:execute-api:${R}:${A}:\${ApiGatewayRestApi}/${STAGE}/POST/payments/validate`,
    // Added by serverless-step-functions for logging and tracing; these actions take no resource but "*".
    ...[
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ].map((action) => `${action} -> *`),
  ],
  // serverless' default role: still created, used by no function (checked below), and holds no data access.
  IamRoleLambdaExecution: [
    `logs:CreateLogGroup -> arn:${P}:logs:${R}:${A}:log-group:/aws/lambda/order-pipeline-${STAGE}*:*`,
    `logs:CreateLogStream -> arn:${P}:logs:${R}:${A}:log-group:/aws/lambda/order-pipeline-${STAGE}*:*`,
    `logs:PutLogEvents -> arn:${P}:logs:${R}:${A}:log-group:/aws/lambda/order-pipeline-${STAGE}*:*:*`,
    `logs:TagResource -> arn:${P}:logs:${R}:${A}:log-group:/aws/lambda/order-pipeline-${STAGE}*:*`,
    ...XRAY_WRITE,
  ],
};

// ---- API Gateway's own errors: the service's shape {error, message} --------------------------------------------------
/**
 * Every gateway response the API must have, by type, with the `error` name it answers (README "### Errors"). Types
 * and their default statuses: API Gateway developer guide, "Gateway response types for API Gateway"; none sets a
 * StatusCode, so each keeps API Gateway's status (DEFAULT_4XX/5XX would otherwise force one status on all).
 */
const GATEWAY_RESPONSES: Record<string, string> = {
  MISSING_AUTHENTICATION_TOKEN: 'MissingAuthenticationToken', // 403: no such route or method; the IAM route unsigned
  INVALID_API_KEY: 'InvalidApiKey', // 403
  ACCESS_DENIED: 'AccessDenied', // 403
  INVALID_SIGNATURE: 'InvalidSignature', // 403
  EXPIRED_TOKEN: 'ExpiredToken', // 403
  THROTTLED: 'Throttled', // 429
  QUOTA_EXCEEDED: 'QuotaExceeded', // 429
  REQUEST_TOO_LARGE: 'PayloadTooLarge', // 413, named like the service's own 413
  INTEGRATION_TIMEOUT: 'IntegrationTimeout', // 504
  INTEGRATION_FAILURE: 'IntegrationFailure', // 504
  DEFAULT_4XX: 'ClientError', // any other 4xx API Gateway makes
  DEFAULT_5XX: 'InternalError', // any other 5xx API Gateway makes (a function that crashed: 502)
};

/**
 * A gateway response template rendered as API Gateway would for one error: `$context.error.messageString` is the
 * message quoted (API Gateway developer guide, "$context variables for data models, authorizers, mapping
 * templates, and CloudWatch access logging"). Any other `$` variable is refused: the local API renders these.
 */
function renderGatewayTemplate(template: string, message: string, requestId: string): unknown {
  const rendered = template
    .replaceAll('$context.error.messageString', JSON.stringify(message))
    .replaceAll('$context.requestId', requestId);
  expect(rendered, 'only $context.error.messageString and $context.requestId').not.toContain('$');
  return JSON.parse(rendered);
}

// cfn-lint (AWS's CloudFormation linter) in the machine's Python; absent, its test is skipped and says so.
const cfnLintVersion = (() => {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
})();

/** cfn-lint warnings accepted, each with why: anything else it warns about fails the test. */
const ACCEPTED_CFN_LINT_WARNINGS: Record<string, string> = {
  // "dependency already enforced by a GetAtt": serverless-iam-roles-per-function and serverless-step-functions
  // write DependsOn on a role that the function or state machine also references; redundant, harmless, and not
  // in our serverless.yml to remove.
  W3005: 'redundant DependsOn written by the plugins',
};

interface CfnLintFinding {
  Level: 'Error' | 'Warning' | 'Informational';
  Rule: { Id: string };
  Message: string;
  Location?: { Path?: unknown[] };
}

// ---- the tests ---------------------------------------------------------------------------------------------------------
describe(`sls package --stage ${STAGE}`, () => {
  it('packages offline, with a template and one zip per function', () => {
    expect(lambdaFunctions().length).toBe(Object.keys(config.functions).length);
    // Informational: packaging time (a reused package reports the run that made it).
    console.info(`sls package --stage ${STAGE}: ${result.seconds} s${result.reused ? ' (reused: inputs unchanged)' : ''}`);
  });

  it('deploys the very definition the static tests check (workflows/order-pipeline.asl.yml as loaded there)', () => {
    const machine = resource('OrderPipelineStateMachine', 'AWS::StepFunctions::StateMachine');
    const [text, variables] = machine.Properties!.DefinitionString['Fn::Sub'] as [string, Record<string, unknown>];
    const restore = (value: unknown): unknown => {
      if (typeof value === 'string') {
        const placeholder = /^\$\{([^}]+)\}$/.exec(value);
        return placeholder && placeholder[1]! in variables ? variables[placeholder[1]!] : value;
      }
      if (Array.isArray(value)) return value.map(restore);
      if (value !== null && typeof value === 'object') {
        // serverless-step-functions writes each state's (default) QueryLanguage out.
        return Object.fromEntries(
          Object.entries(value)
            .filter(([key, inner]) => !(key === 'QueryLanguage' && inner === 'JSONPath'))
            .map(([key, inner]) => [key, restore(inner)]),
        );
      }
      return value;
    };
    expect(restore(JSON.parse(text))).toEqual(loadDefinition(STAGE));
  });

  describe('state machine', () => {
    it('is a STANDARD state machine named for the stage, run by its own role', () => {
      const machine = resource('OrderPipelineStateMachine', 'AWS::StepFunctions::StateMachine').Properties!;
      expect(machine.StateMachineType).toBe('STANDARD');
      expect(machine.StateMachineName).toBe(`order-pipeline-${STAGE}`);
      expect(referencedLogicalId(machine.RoleArn)).toBe('OrderPipelineStateMachineRole');
    });

    it('logs errors (prod level ERROR, no execution data: it holds e-mails and card tokens) to its log group', () => {
      const logging = resource('OrderPipelineStateMachine', 'AWS::StepFunctions::StateMachine').Properties!.LoggingConfiguration;
      expect(logging.Level).toBe('ERROR');
      expect(logging.Level).toBe(param('stateMachineLogLevel'));
      expect(logging.IncludeExecutionData).toBe(false);
      expect(logging.Destinations).toHaveLength(1);
      const groupId = referencedLogicalId(logging.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn)!;
      const group = resource(groupId, 'AWS::Logs::LogGroup').Properties!;
      expect(group.LogGroupName).toBe(`/aws/vendedlogs/states/order-pipeline-${STAGE}`);
      expect(group.RetentionInDays).toBe(param('logRetentionDays'));
    });

    it('traces with X-Ray', () => {
      const machine = resource('OrderPipelineStateMachine', 'AWS::StepFunctions::StateMachine').Properties!;
      expect(machine.TracingConfiguration).toEqual({ Enabled: true });
    });

    it('times every Lambda-backed Task out only after its function would have (no retry while it still runs)', () => {
      const definition: StateMachineDefinition = loadDefinition(STAGE);
      const checked: string[] = [];
      for (const [name, state] of Object.entries(definition.States)) {
        let functionId: string | undefined;
        if (integrationOf(state) === 'lambda') functionId = referencedLogicalId(state.Parameters?.FunctionName);
        if (integrationOf(state) === 'apigateway') {
          functionId = lambdaLogicalId(functionForHttp(config, String(state.Parameters?.Method), String(state.Parameters?.Path)));
        }
        if (!functionId) continue;
        const timeout = resource(functionId, 'AWS::Lambda::Function').Properties!.Timeout as number;
        expect(state.TimeoutSeconds, `${name} vs ${functionId} (${timeout} s)`).toBeGreaterThan(timeout);
        checked.push(name);
      }
      expect(checked.length).toBeGreaterThanOrEqual(4);
    });
  });

  describe('data', () => {
    it.each([
      ['OrdersTable', 'orderId'],
      ['InventoryTable', 'sku'],
      ['PaymentsTable', 'authorizationId'],
    ])('%s: on demand, point-in-time recovery, encrypted, stage-scoped, kept on delete', (id, key) => {
      const table = resource(id, 'AWS::DynamoDB::Table');
      const properties = table.Properties!;
      expect(properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(properties.SSESpecification?.SSEEnabled).toBe(true);
      expect(properties.TableName).toContain(`-${STAGE}-`);
      expect(properties.KeySchema).toEqual([{ AttributeName: key, KeyType: 'HASH' }]);
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    });

    it('encrypts the notifications topic and subscribes the stage e-mail address to it', () => {
      const topic = resource('OrderNotificationsTopic', 'AWS::SNS::Topic').Properties!;
      expect(topic.KmsMasterKeyId).toBe('alias/aws/sns');
      expect(topic.TopicName).toContain(`-${STAGE}-`);
      // The operations topic's subscription is checked in telemetry.test.ts.
      const subscriptions = ofType('AWS::SNS::Subscription')
        .map(([, s]) => s.Properties!)
        .filter((s) => referencedLogicalId(s.TopicArn) === 'OrderNotificationsTopic');
      expect(subscriptions).toHaveLength(1);
      expect(subscriptions[0]!.Protocol).toBe('email');
      expect(subscriptions[0]!.Endpoint).toBe(param('notificationEmail'));
      expect(subscriptions[0]!.Endpoint).toMatch(/^[^@\s]+@[^@\s]+$/);
      expect(referencedLogicalId(subscriptions[0]!.TopicArn)).toBe('OrderNotificationsTopic');
    });
  });

  describe('functions', () => {
    it('runs every function on nodejs24.x, arm64, with active tracing and the stage log level', () => {
      for (const [id, fn] of lambdaFunctions()) {
        expect(fn.Properties!.Runtime, id).toBe('nodejs24.x');
        expect(fn.Properties!.Architectures, id).toEqual(['arm64']);
        expect(fn.Properties!.TracingConfig, id).toEqual({ Mode: 'Active' });
        expect(fn.Properties!.Environment.Variables.POWERTOOLS_LOG_LEVEL, id).toBe(param('logLevel'));
      }
    });

    it('gives every function its own role, shared with no other function', () => {
      const roles = lambdaFunctions().map(([id, fn]) => [id, referencedLogicalId(fn.Properties!.Role)] as const);
      for (const [id, role] of roles) {
        expect(role, id).toBe(id.replace(/LambdaFunction$/, 'IamRoleLambdaExecution'));
        const trust = resource(role!, 'AWS::IAM::Role').Properties!.AssumeRolePolicyDocument.Statement;
        expect(trust, role).toEqual([{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }]);
      }
      expect(new Set(roles.map(([, role]) => role)).size).toBe(roles.length);
      expect(roles.map(([, role]) => role)).not.toContain('IamRoleLambdaExecution');
    });

    it('lets each role with active tracing write traces (Lambda refuses to create the function otherwise)', () => {
      for (const [id, fn] of lambdaFunctions()) {
        const roleId = referencedLogicalId(fn.Properties!.Role)!;
        expect(grants(roleId), `${roleId} (of ${id})`).toEqual(expect.arrayContaining(XRAY_WRITE));
      }
    });
  });

  describe('least privilege', () => {
    it('has exactly the roles of the expected table, and no other IAM policy resources', () => {
      expect(ofType('AWS::IAM::Role').map(([id]) => id).sort()).toEqual(Object.keys(EXPECTED_GRANTS).sort());
      for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::User', 'AWS::IAM::Group']) {
        expect(ofType(type).map(([id]) => id), type).toEqual([]);
      }
    });

    it.each(Object.keys(EXPECTED_GRANTS))('%s grants exactly the expected actions on the expected resources', (roleId) => {
      expect(grants(roleId)).toEqual([...new Set(EXPECTED_GRANTS[roleId])].sort());
    });

    it('has no Allow statement anywhere whose action is "*" or "<service>:*" (or NotAction/NotResource)', () => {
      const statements = allStatements();
      expect(statements.length).toBeGreaterThan(10);
      const wide = statements
        .filter(({ statement }) => statement.Effect === 'Allow')
        .filter(
          ({ statement }) =>
            statement.NotAction !== undefined ||
            statement.NotResource !== undefined ||
            asArray(statement.Action).some((action) => action === '*' || /^[a-z0-9-]+:\*$/i.test(action)),
        )
        .map(({ where }) => where);
      expect(wide).toEqual([]);
    });

    it('lets the state machine call the API only on POST /payments/validate', () => {
      const apiGrants = grants('OrderPipelineStateMachineRole').filter((line) => line.startsWith('execute-api:'));
      const method = resources.ApiGatewayMethodPaymentsValidatePost!.Properties!;
      expect(apiGrants).toEqual([
        `execute-api:Invoke -> arn:${P}:execute-api:${R}:${A}:\${ApiGatewayRestApi}/${STAGE}/${method.HttpMethod}${apiPath(method)}`,
      ]);
    });
  });

  describe('HTTP API', () => {
    it('is a Regional REST API (the Step Functions API Gateway integration supports no edge-optimized API)', () => {
      // Step Functions developer guide, "Create API Gateway REST APIs with Step Functions", "API Gateway feature
      // support": Regional REST APIs only; osls makes EDGE unless provider.endpointType says otherwise.
      const apis = ofType('AWS::ApiGateway::RestApi');
      expect(apis.map(([id]) => id)).toEqual(['ApiGatewayRestApi']);
      expect(apis[0]![1].Properties!.EndpointConfiguration.Types).toEqual(['REGIONAL']);
    });

    it("answers API Gateway's own errors in the service's shape {error, message}, keeping API Gateway's statuses", () => {
      const responses = ofType('AWS::ApiGateway::GatewayResponse').map(([id, r]) => [id, r.Properties!] as const);
      expect(responses.map(([, r]) => r.ResponseType).sort()).toEqual(Object.keys(GATEWAY_RESPONSES).sort());
      for (const [id, properties] of responses) {
        const type = properties.ResponseType as string;
        expect(referencedLogicalId(properties.RestApiId), id).toBe('ApiGatewayRestApi');
        expect(properties.StatusCode, `${id}: keeps the default status`).toBeUndefined();
        expect(Object.keys(properties.ResponseTemplates), id).toEqual(['application/json']);
        const body = renderGatewayTemplate(properties.ResponseTemplates['application/json'], 'Missing "Authentication" Token', 'req-1');
        expect(body, id).toEqual({
          error: GATEWAY_RESPONSES[type],
          message: 'Missing "Authentication" Token',
          ...(type === 'DEFAULT_5XX' ? { requestId: 'req-1' } : {}),
        });
      }
    });

    it('deploys the gateway responses with the first deployment (every method waits for them)', () => {
      // A gateway response takes effect with the next API deployment; the deployment waits for the methods.
      const responseIds = ofType('AWS::ApiGateway::GatewayResponse').map(([id]) => id);
      const methods = ofType('AWS::ApiGateway::Method');
      expect(methods.length).toBeGreaterThan(0);
      for (const [id, method] of methods) expect(asArray(method.DependsOn), id).toEqual(expect.arrayContaining(responseIds));
      const deployments = ofType('AWS::ApiGateway::Deployment');
      expect(deployments).toHaveLength(1);
      expect(asArray(deployments[0]![1].DependsOn).sort()).toEqual(methods.map(([id]) => id).sort());
    });

    it('has exactly the three methods, each with its function and its protection', () => {
      const methods = ofType('AWS::ApiGateway::Method').map(([, m]) => {
        const properties = m.Properties!;
        const uri = JSON.stringify(properties.Integration?.Uri ?? '');
        return {
          route: `${properties.HttpMethod} ${apiPath(properties)}`,
          function: /"Fn::GetAtt":\["([A-Za-z0-9]+LambdaFunction)","Arn"\]/.exec(uri)?.[1],
          integration: properties.Integration?.Type,
          authorization: properties.AuthorizationType,
          apiKey: properties.ApiKeyRequired,
        };
      });
      expect(methods.sort((a, b) => a.route.localeCompare(b.route))).toEqual([
        { route: 'GET /orders/{orderId}', function: 'GetOrderLambdaFunction', integration: 'AWS_PROXY', authorization: 'NONE', apiKey: true },
        { route: 'POST /orders', function: 'CreateOrderLambdaFunction', integration: 'AWS_PROXY', authorization: 'NONE', apiKey: true },
        { route: 'POST /payments/validate', function: 'ValidatePaymentLambdaFunction', integration: 'AWS_PROXY', authorization: 'AWS_IAM', apiKey: false },
      ]);
    });

    it('meters API keys with a usage plan: the stage throttle and daily quota', () => {
      const plans = ofType('AWS::ApiGateway::UsagePlan').map(([id, plan]) => [id, plan.Properties!] as const);
      expect(plans).toHaveLength(1);
      const [planId, plan] = plans[0]!;
      expect(plan.Throttle).toEqual({ RateLimit: param('apiThrottleRate'), BurstLimit: param('apiThrottleBurst') });
      expect(plan.Quota).toEqual({ Limit: param('apiQuotaPerDay'), Period: 'DAY' });
      expect(plan.ApiStages).toEqual([{ ApiId: { Ref: 'ApiGatewayRestApi' }, Stage: STAGE }]);
      const keys = ofType('AWS::ApiGateway::UsagePlanKey').map(([, key]) => key.Properties!);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(referencedLogicalId(key.UsagePlanId)).toBe(planId);
        expect(resource(referencedLogicalId(key.KeyId)!, 'AWS::ApiGateway::ApiKey').Properties!.Enabled).toBe(true);
      }
    });
  });

  describe('cfn-lint', () => {
    it.skipIf(cfnLintVersion === undefined)(
      `${cfnLintVersion ?? 'cfn-lint (SKIPPED: not installed; `pip install cfn-lint` to run this check)'} reports no error-level finding on the packaged template; warnings only as accepted`,
      async () => {
        const file = join(result.dir, 'cloudformation-template-update-stack.json');
        // Exit codes are a bit mask (2 errors, 4 warnings, 8 informational): read the findings, not the code.
        const run = spawnSync('cfn-lint', ['--format', 'json', file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
        expect(run.error).toBeUndefined();
        expect([0, 2, 4, 6, 8, 10, 12, 14], `cfn-lint could not lint the template: ${run.stderr}`).toContain(run.status);
        const findings = JSON.parse(run.stdout || '[]') as CfnLintFinding[];
        const describe = (f: CfnLintFinding) => `${f.Rule.Id} ${f.Message} at ${(f.Location?.Path ?? []).join('/')}`;
        expect(findings.filter((f) => f.Level === 'Error').map(describe)).toEqual([]);
        expect(findings.filter((f) => f.Level === 'Warning' && !(f.Rule.Id in ACCEPTED_CFN_LINT_WARNINGS)).map(describe)).toEqual([]);
        const warnings = findings.filter((f) => f.Level === 'Warning');
        console.info(`${cfnLintVersion}: 0 errors, ${warnings.length} accepted warnings (${[...new Set(warnings.map((f) => f.Rule.Id))].join(', ') || 'none'})`);
      },
      150_000,
    );
  });

  describe('per-stage parameters', () => {
    it('resolves dev differently from prod (state machine log level, function log level, retention)', () => {
      const devMachine = devConfig.stepFunctions.stateMachines.orderPipeline;
      const prodLogging = resources.OrderPipelineStateMachine!.Properties!.LoggingConfiguration;
      expect(devMachine.loggingConfig.level).toBe(stageParam(config, 'dev', 'stateMachineLogLevel'));
      expect(devMachine.loggingConfig.level).not.toBe(prodLogging.Level);
      expect(devMachine.name).toBe('order-pipeline-dev');
      expect(devConfig.provider.environment.POWERTOOLS_LOG_LEVEL).toBe(stageParam(config, 'dev', 'logLevel'));
      expect(devConfig.provider.environment.POWERTOOLS_LOG_LEVEL).not.toBe(param('logLevel'));
      expect(devConfig.provider.logRetentionInDays).not.toBe(resources.OrderPipelineLogGroup!.Properties!.RetentionInDays);
    });
  });
});

/** A method's path, from its resource chain up to the API root: `/orders/{orderId}`. */
function apiPath(method: Record<string, any>): string {
  const parts: string[] = [];
  let id = referencedLogicalId(method.ResourceId);
  while (id && resources[id]?.Type === 'AWS::ApiGateway::Resource') {
    const properties = resources[id]!.Properties!;
    parts.unshift(properties.PathPart as string);
    id = 'Ref' in properties.ParentId ? (properties.ParentId.Ref as string) : undefined;
  }
  return `/${parts.join('/')}`;
}
