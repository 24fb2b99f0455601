// Telemetry on AWS, as `sls package --stage prod` writes it: the alarms (state machine, every function, every table)
// and whom they notify, the operations topic and its e-mail, the dashboard, and the environment that turns the
// functions' logs, traces and EMF metrics on. What each AWS metric is and which dimension names it:
// - AWS/States ExecutionsSucceeded|Failed|Aborted|TimedOut, ExecutionThrottled, dimension StateMachineArn: Step
//   Functions developer guide, "Monitoring Step Functions metrics using Amazon CloudWatch"; the alarms' shape:
//   node_modules/serverless-step-functions/README.md, "CloudWatch Alarms".
// - AWS/Lambda Errors, Throttles, Duration, dimension FunctionName: Lambda developer guide, "Types of metrics for
//   Lambda functions".
// - AWS/DynamoDB ReadThrottleEvents, WriteThrottleEvents, dimension TableName: DynamoDB developer guide, "DynamoDB
//   Metrics and dimensions".
// - A dashboard metric is [Namespace, MetricName, DimensionName, DimensionValue, ..., {rendering options}], "."
//   repeating the row above: CloudWatch API reference, "Dashboard Body Structure and Syntax".
// - The EMF metrics the functions publish (names, units, dimensions) are asserted in tests/unit/lib/telemetry.test.ts;
//   the names below are the same, written out again on purpose.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadServerlessYaml, referencedLogicalId, stageParam } from '../definition/definition.ts';
import { lambdaLogicalId } from '../definition/sourceCode.ts';
import { packaged, STAGE, type CloudFormationResource } from './packaged.ts';

const config = loadServerlessYaml();
const param = (name: string) => stageParam(config, STAGE, name);
const FUNCTIONS = Object.keys(config.functions);

/** What the functions publish under, as serverless.yml's provider.environment says (asserted below). */
const NAMESPACE = 'OrderPipeline';
const SERVICE = 'order-pipeline';
/** The state machine alarms serverless-step-functions makes, by CloudWatch metric name. */
const STATE_MACHINE_ALARM_METRICS = ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionThrottled', 'ExecutionsAborted'];
/**
 * Errors that alarm each function. receiveOrder and reserveStock throw the errors the workflow catches as outcomes
 * (InvalidOrder, OutOfStock), which Lambda counts as errors: a burst alarms, one rejected order does not.
 */
const ERRORS_THRESHOLD: Record<string, number> = { receiveOrder: 5, reserveStock: 5 };
const REJECTION_REASONS = ['PAYMENT_DECLINED', 'OUT_OF_STOCK', 'INVALID_ORDER'];

let resources: Record<string, CloudFormationResource>;
beforeAll(async () => {
  resources = (await packaged()).template.Resources;
});

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const ref = (id: string) => ({ Ref: id });

interface Alarm {
  id: string;
  properties: Record<string, any>;
}

function alarms(): Alarm[] {
  return ofType('AWS::CloudWatch::Alarm').map(([id, resource]) => ({ id, properties: resource.Properties! }));
}

/** The one alarm on this metric with exactly these dimensions (each value a Ref to a logical id). */
function alarmOn(namespace: string, metric: string, dimension: string, logicalId: string): Alarm {
  const found = alarms().filter(
    ({ properties: p }) =>
      p.Namespace === namespace &&
      p.MetricName === metric &&
      JSON.stringify(p.Dimensions) === JSON.stringify([{ Name: dimension, Value: ref(logicalId) }]),
  );
  expect(found.map(({ id }) => id), `${namespace} ${metric} ${dimension}=${logicalId}`).toHaveLength(1);
  return found[0]!;
}

/** Sum >= threshold in one 60 s period; no data is no error; ALARM and OK both to the operations topic. */
function expectCountAlarm(alarm: Alarm, threshold: number): void {
  expect(alarm.properties, alarm.id).toMatchObject({
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: threshold,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    AlarmActions: [ref('OperationsTopic')],
    OKActions: [ref('OperationsTopic')],
  });
}

describe(`alarms (sls package --stage ${STAGE})`, () => {
  it('are exactly: four for the state machine, Errors and Throttles per function, read and write throttles per table, StuckOrders', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables.length).toBe(3);
    // + the reconciler's StuckOrders alarm (checked in tests/deploy/reconciler.test.ts).
    expect(alarms()).toHaveLength(STATE_MACHINE_ALARM_METRICS.length + 2 * FUNCTIONS.length + 2 * tables.length + 1);
  });

  it('every alarm notifies the operations topic, and only it, on ALARM and on OK', () => {
    for (const { id, properties } of alarms()) {
      expect(properties.AlarmActions, id).toEqual([ref('OperationsTopic')]);
      expect(properties.OKActions, id).toEqual([ref('OperationsTopic')]);
      expect(properties.InsufficientDataActions ?? [], id).toEqual([]);
    }
  });

  it.each(STATE_MACHINE_ALARM_METRICS)('the state machine: AWS/States %s, Sum >= 1 in 60 s', (metric) => {
    const alarm = alarmOn('AWS/States', metric, 'StateMachineArn', 'OrderPipelineStateMachine');
    expectCountAlarm(alarm, 1);
    expect(alarm.properties.AlarmName).toBe(`order-pipeline-${STAGE}-${metric}`);
  });

  it.each(FUNCTIONS)('%s: AWS/Lambda Errors and Throttles on its own function', (fn) => {
    const errors = alarmOn('AWS/Lambda', 'Errors', 'FunctionName', lambdaLogicalId(fn));
    expectCountAlarm(errors, ERRORS_THRESHOLD[fn] ?? 1);
    expect(errors.properties.AlarmName).toBe(`order-pipeline-${STAGE}-${fn}-Errors`);
    const throttles = alarmOn('AWS/Lambda', 'Throttles', 'FunctionName', lambdaLogicalId(fn));
    expectCountAlarm(throttles, 1);
    expect(throttles.properties.AlarmName).toBe(`order-pipeline-${STAGE}-${fn}-Throttles`);
  });

  it.each(['OrdersTable', 'InventoryTable', 'PaymentsTable'])('%s: AWS/DynamoDB ReadThrottleEvents and WriteThrottleEvents', (table) => {
    for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
      expectCountAlarm(alarmOn('AWS/DynamoDB', metric, 'TableName', table), 1);
    }
  });
});

describe('the operations topic', () => {
  it("e-mails the stage's operationsEmail (prod's own value, not the default)", () => {
    const email = param('operationsEmail');
    expect(email).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(email, 'prod sets its own address: the test can tell the stage param was used').not.toBe(stageParam(config, 'default', 'operationsEmail'));
    const subscriptions = ofType('AWS::SNS::Subscription')
      .map(([, s]) => s.Properties!)
      .filter((s) => referencedLogicalId(s.TopicArn) === 'OperationsTopic');
    expect(subscriptions).toEqual([{ TopicArn: ref('OperationsTopic'), Protocol: 'email', Endpoint: email }]);
  });

  it('is its own stage-scoped topic, apart from the customer notifications', () => {
    const topic = resources.OperationsTopic!;
    expect(topic.Type).toBe('AWS::SNS::Topic');
    expect(topic.Properties!.TopicName).toBe(`order-pipeline-${STAGE}-operations`);
    expect(topic.Properties!.TopicName).not.toBe(resources.OrderNotificationsTopic!.Properties!.TopicName);
  });

  it('is encrypted with a customer managed key that CloudWatch may use (alias/aws/sns would drop every alarm)', () => {
    // AWS Knowledge Center, "How do I configure a CloudWatch alarm with an encrypted SNS topic?": the AWS managed
    // key's policy does not let CloudWatch alarms call kms:Decrypt/kms:GenerateDataKey; a customer managed key must.
    const topic = resources.OperationsTopic!;
    const keyId = topic.Properties!.KmsMasterKeyId as string;
    expect(keyId).not.toBe('alias/aws/sns');
    const aliases = ofType('AWS::KMS::Alias').filter(([, alias]) => alias.Properties!.AliasName === keyId);
    expect(aliases.map(([id]) => id)).toEqual(['OperationsTopicKeyAlias']);
    expect([topic.DependsOn].flat(), 'the alias exists before the topic names it').toContain('OperationsTopicKeyAlias');
    const keyLogicalId = referencedLogicalId(aliases[0]![1].Properties!.TargetKeyId)!;
    const key = resources[keyLogicalId]!;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties!.EnableKeyRotation).toBe(true);
    const statements = key.Properties!.KeyPolicy.Statement as Array<Record<string, any>>;
    const cloudWatch = statements.filter((s) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(cloudWatch).toEqual([
      {
        Sid: expect.any(String),
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
      },
    ]);
    // The account keeps the key manageable (CloudFormation refuses a key policy that locks its creator out).
    const account = statements.filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }));
    expect(account).toHaveLength(1);
    expect(account[0]!.Action).toEqual(expect.arrayContaining(['kms:Put*', 'kms:Describe*', 'kms:ScheduleKeyDeletion']));
  });
});

// ---- the dashboard ---------------------------------------------------------------------------------------------------
interface DashboardMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  options: Record<string, unknown>;
}

/** `${X}` of a Fn::Sub: its own variable, a pseudo parameter, or a resource's reference (kept as `<Ref X>`). */
function resolveSub(sub: unknown): string {
  const [text, variables] = (Array.isArray(sub) ? sub : [sub, {}]) as [string, Record<string, unknown>];
  return text.replace(/\$\{([^}]+)\}/g, (_whole, name: string) => {
    if (name in variables) {
      expect(typeof variables[name], `Fn::Sub variable ${name}`).toBe('string');
      return variables[name] as string;
    }
    if (name === 'AWS::Region') return 'us-east-1';
    expect(resources[name], `\${${name}} names a resource of the template`).toBeDefined();
    return `<Ref ${name}>`;
  });
}

function dashboard(): { widgets: Array<{ type: string; properties: Record<string, any> }> } {
  const dashboards = ofType('AWS::CloudWatch::Dashboard');
  expect(dashboards.map(([id]) => id)).toEqual(['OrderPipelineDashboard']);
  const properties = dashboards[0]![1].Properties!;
  expect(properties.DashboardName).toBe(`order-pipeline-${STAGE}`);
  return JSON.parse(resolveSub(properties.DashboardBody['Fn::Sub'])) as ReturnType<typeof dashboard>;
}

/** Every metric row of a widget, with "." expanded and the dimensions as an object. */
function metricsOf(widget: { properties: Record<string, any> }): DashboardMetric[] {
  const rows = widget.properties.metrics as unknown[][];
  const out: DashboardMetric[] = [];
  let previous: unknown[] = [];
  for (const row of rows) {
    const options = typeof row[row.length - 1] === 'object' ? (row[row.length - 1] as Record<string, unknown>) : {};
    const values = (typeof row[row.length - 1] === 'object' ? row.slice(0, -1) : row).map((value, i) => (value === '.' ? previous[i] : value)) as string[];
    previous = values;
    expect(values.length % 2, `a metric row: namespace, name, then dimension name/value pairs: ${JSON.stringify(row)}`).toBe(0);
    const dimensions: Record<string, string> = {};
    for (let i = 2; i < values.length; i += 2) dimensions[values[i]!] = values[i + 1]!;
    out.push({ namespace: values[0]!, name: values[1]!, dimensions, options });
  }
  return out;
}

function widgetTitled(title: string) {
  const widget = dashboard().widgets.find((w) => w.properties.title === title);
  expect(widget, title).toBeDefined();
  expect(widget!.type).toBe('metric');
  expect(widget!.properties.region, `${title}: the stack's region`).toBe('us-east-1');
  return widget!;
}

const summary = (metrics: DashboardMetric[]) => metrics.map((m) => `${m.namespace} ${m.name} ${JSON.stringify(m.dimensions)}`).sort();
const BUSINESS = { service: SERVICE, stage: STAGE };

describe('the dashboard', () => {
  it('parses as JSON and names only resources of the template (the rest is checked per widget)', () => {
    expect(dashboard().widgets.length).toBeGreaterThanOrEqual(7);
  });

  it('shows executions by outcome for the state machine', () => {
    const metrics = metricsOf(widgetTitled('Executions by outcome'));
    expect(summary(metrics)).toEqual(
      summary(
        ['ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsAborted', 'ExecutionsTimedOut'].map((name) => ({
          namespace: 'AWS/States',
          name,
          dimensions: { StateMachineArn: '<Ref OrderPipelineStateMachine>' },
          options: {},
        })),
      ),
    );
  });

  it('shows orders by status from the EMF metrics, rejections by reason', () => {
    const metrics = metricsOf(widgetTitled('Orders by status'));
    expect(summary(metrics)).toEqual(
      summary([
        ...['OrderAccepted', 'OrderReceived', 'OrderConfirmed', 'OrderFailed'].map((name) => ({ namespace: NAMESPACE, name, dimensions: BUSINESS, options: {} })),
        ...REJECTION_REASONS.map((reason) => ({ namespace: NAMESPACE, name: 'OrderRejected', dimensions: { ...BUSINESS, reason }, options: {} })),
      ]),
    );
  });

  it.each([
    ['Lambda errors', 'AWS/Lambda', 'Errors', 'FunctionName', {}],
    ['Lambda duration (p99, ms)', 'AWS/Lambda', 'Duration', 'FunctionName', {}],
    ['Cold starts', NAMESPACE, 'ColdStart', 'function_name', BUSINESS],
  ])('shows %s for every function, by its resolved reference', (title, namespace, name, dimension, others) => {
    const metrics = metricsOf(widgetTitled(title));
    expect(summary(metrics)).toEqual(
      summary(FUNCTIONS.map((fn) => ({ namespace, name, dimensions: { ...others, [dimension]: `<Ref ${lambdaLogicalId(fn)}>` }, options: {} }))),
    );
  });

  it('shows the cold starts as Powertools counts them (ColdStart, dimension function_name = the function name)', () => {
    // Ref of an AWS::Lambda::Function is its name, which is what the Lambda context's functionName says.
    for (const fn of FUNCTIONS) {
      expect(resources[lambdaLogicalId(fn)]!.Properties!.FunctionName).toBe(`order-pipeline-${STAGE}-${fn}`);
    }
  });

  it('shows the throttled reads and writes of every table', () => {
    const metrics = metricsOf(widgetTitled('DynamoDB throttled events'));
    const tables = ofType('AWS::DynamoDB::Table').map(([id]) => id);
    expect(summary(metrics)).toEqual(
      summary(
        tables.flatMap((table) =>
          ['ReadThrottleEvents', 'WriteThrottleEvents'].map((name) => ({ namespace: 'AWS/DynamoDB', name, dimensions: { TableName: `<Ref ${table}>` }, options: {} })),
        ),
      ),
    );
  });

  it('shows the payment authorization latency', () => {
    const metrics = metricsOf(widgetTitled('Payment authorization latency (ms)'));
    expect(new Set(summary(metrics))).toEqual(new Set([`${NAMESPACE} PaymentAuthorizationLatency ${JSON.stringify(BUSINESS)}`]));
    expect(metrics.map((m) => m.options.stat).sort()).toEqual(['Maximum', 'p50', 'p99']);
  });
});

describe('the functions, as telemetry needs them on AWS', () => {
  it('log, trace and publish metrics under the service and namespace the dashboard reads', () => {
    for (const fn of FUNCTIONS) {
      const properties = resources[lambdaLogicalId(fn)]!.Properties!;
      const variables = properties.Environment.Variables as Record<string, unknown>;
      expect(variables.POWERTOOLS_SERVICE_NAME, fn).toBe(SERVICE);
      expect(variables.POWERTOOLS_METRICS_NAMESPACE, fn).toBe(NAMESPACE);
      expect(variables.POWERTOOLS_LOG_LEVEL, fn).toBe(param('logLevel'));
      // The stage dimension of every EMF metric (lib/observability.ts).
      expect(variables.STAGE, fn).toBe(STAGE);
      // Switches that would silence telemetry on AWS: only the local stack and the tests set them.
      for (const off of ['POWERTOOLS_TRACE_ENABLED', 'POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_DEV']) expect(variables[off], `${fn} ${off}`).toBeUndefined();
      expect(properties.TracingConfig, fn).toEqual({ Mode: 'Active' });
    }
  });

  it('need no CloudWatch permission: EMF metrics are log lines (least privilege)', () => {
    const actions = ofType('AWS::IAM::Role').flatMap(([, role]) =>
      ((role.Properties!.Policies ?? []) as Array<{ PolicyDocument: { Statement: Array<{ Action: string | string[] }> } }>).flatMap((policy) =>
        policy.PolicyDocument.Statement.flatMap((statement) => [statement.Action].flat()),
      ),
    );
    expect(actions.length).toBeGreaterThan(10);
    expect(actions.filter((action) => action.startsWith('cloudwatch:'))).toEqual([]);
  });
});
