// The reconciler as `sls package --stage prod` writes it: its function and settings (the reconcile* stage params),
// its EventBridge schedule, its role - least privilege, action by action - and its StuckOrders alarm. The exact
// grant lines of every role, this one included, are in package.test.ts; here is why each is needed and what must
// never be there. Sources:
// - Which resource each Step Functions action takes: Service Authorization Reference, "Actions, resources, and
//   condition keys for AWS Step Functions": ListExecutions on `stateMachine`; DescribeExecution,
//   GetExecutionHistory and RedriveExecution on `execution` (arn:...:states:<region>:<account>:execution:<machine>:<name>).
// - Publishing to a topic encrypted with a customer managed key needs kms:GenerateDataKey* and kms:Decrypt on that
//   key: SNS developer guide, "Managing Amazon SNS encryption keys and costs".
// - Rate expressions: EventBridge user guide, "Schedule expressions for rules": rate(value unit), unit minute(s),
//   hour(s) or day(s), singular exactly when the value is 1.
// - A schedule invokes its function asynchronously; MaximumRetryAttempts of AWS::Lambda::EventInvokeConfig is how
//   many times Lambda retries a failed asynchronous invocation (Lambda developer guide, "Asynchronous invocation").
import { beforeAll, describe, expect, it } from 'vitest';
import { isIntrinsic, loadServerlessYaml, referencedLogicalId, stageParam } from '../definition/definition.ts';
import { packaged, STAGE, type CloudFormationResource } from './packaged.ts';

const config = loadServerlessYaml();
const param = (name: string, stage = STAGE) => stageParam(config, stage, name);
const FUNCTION_ID = 'ReconcileLambdaFunction';
const ROLE_ID = 'ReconcileIamRoleLambdaExecution';
/** The rate expressions EventBridge accepts, written out here (not read from the code that parses them). */
const RATE = /^rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)$/;

let resources: Record<string, CloudFormationResource>;
beforeAll(async () => {
  resources = (await packaged()).template.Resources;
});

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

interface Grant {
  action: string;
  resource: unknown;
}

function grantsOf(roleId: string): Grant[] {
  const role = resources[roleId]!;
  expect(role?.Type).toBe('AWS::IAM::Role');
  const policies = asArray(role.Properties!.Policies as Array<{ PolicyDocument: { Statement: Array<{ Effect: string; Action: string | string[]; Resource: unknown }> } }>);
  return policies.flatMap((policy) =>
    policy.PolicyDocument.Statement.flatMap((statement) => {
      expect(statement.Effect).toBe('Allow');
      return asArray(statement.Action).flatMap((action) => asArray(statement.Resource).map((resource) => ({ action, resource })));
    }),
  );
}

/** The resources one action is granted on, as written in the template. */
const resourcesOf = (grants: Grant[], action: string) => grants.filter((grant) => grant.action === action).map((grant) => grant.resource);

const executionsOfThisMachine = { 'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:order-pipeline-${STAGE}:*` };

describe(`the reconciler (sls package --stage ${STAGE})`, () => {
  describe('its settings: the reconcile* stage params', () => {
    it("gives the function the stage's rate, redrive cap and stuck-order age, and the ARNs it works on", () => {
      const variables = resources[FUNCTION_ID]!.Properties!.Environment.Variables as Record<string, unknown>;
      expect(variables).toMatchObject({
        STATE_MACHINE_ARN: { Ref: 'OrderPipelineStateMachine' },
        OPERATIONS_TOPIC_ARN: { Ref: 'OperationsTopic' },
        ORDERS_TABLE: { Ref: 'OrdersTable' },
        RECONCILE_RATE: param('reconcileRate'),
        // Environment values are strings: the numbers arrive as their text.
        RECONCILE_REDRIVE_CAP: String(param('reconcileRedriveCap')),
        RECONCILE_STUCK_AFTER_MINUTES: String(param('reconcileStuckAfterMinutes')),
      });
    });

    it('has prod values of its own, so the test above can tell the stage params were used', () => {
      expect(param('reconcileRedriveCap')).not.toBe(param('reconcileRedriveCap', 'default'));
      expect(param('reconcileStuckAfterMinutes')).not.toBe(param('reconcileStuckAfterMinutes', 'default'));
      expect(param('reconcileRate', 'dev')).not.toBe(param('reconcileRate'));
    });

    it.each(['default', 'dev', 'staging', 'prod'])('%s: a valid rate expression, a whole-number cap and age', (stage) => {
      expect(param('reconcileRate', stage)).toMatch(RATE);
      expect(Number.isInteger(param('reconcileRedriveCap', stage)), 'cap').toBe(true);
      expect(param('reconcileRedriveCap', stage) as number).toBeGreaterThanOrEqual(0);
      expect(Number.isInteger(param('reconcileStuckAfterMinutes', stage)), 'minutes').toBe(true);
      expect(param('reconcileStuckAfterMinutes', stage) as number).toBeGreaterThanOrEqual(1);
    });

    it('takes longer than a workflow step (listings, histories, a Scan) and is not retried by Lambda', () => {
      const fn = resources[FUNCTION_ID]!.Properties!;
      expect(fn.Handler).toBe('functions/reconcile/handler.handler');
      expect(fn.Timeout).toBeGreaterThanOrEqual(30);
      // The next scheduled run is the retry; a Lambda retry of the same event would repeat the run's alarm.
      const configs = ofType('AWS::Lambda::EventInvokeConfig').filter(([, c]) => referencedLogicalId(c.Properties!.FunctionName) === FUNCTION_ID);
      expect(configs).toHaveLength(1);
      expect(configs[0]![1].Properties!.MaximumRetryAttempts).toBe(0);
    });
  });

  describe('its schedule', () => {
    it('runs the function on an EventBridge rule at reconcileRate', () => {
      const rules = ofType('AWS::Events::Rule').filter(([, rule]) =>
        asArray(rule.Properties!.Targets as Array<{ Arn: unknown }>).some((target) => referencedLogicalId(target.Arn) === FUNCTION_ID),
      );
      expect(rules).toHaveLength(1);
      const rule = rules[0]![1].Properties!;
      expect(rule.ScheduleExpression).toBe(param('reconcileRate'));
      expect(rule.State).toBe('ENABLED');
      expect(rule.Name).toBe(`order-pipeline-${STAGE}-reconcile`);
      expect(rule.Targets).toHaveLength(1);
      expect(rule.Targets[0].Input ?? rule.Targets[0].InputTransformer, 'the scheduled event itself (its `time` is the window)').toBeUndefined();
    });

    it('lets only that rule invoke the function', () => {
      const [ruleId] = ofType('AWS::Events::Rule').find(([, rule]) => JSON.stringify(rule.Properties!.Targets).includes(FUNCTION_ID))!;
      const permissions = ofType('AWS::Lambda::Permission')
        .map(([, p]) => p.Properties!)
        .filter((p) => referencedLogicalId(p.FunctionName) === FUNCTION_ID);
      expect(permissions).toHaveLength(1);
      expect(permissions[0]).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' });
      expect(referencedLogicalId(permissions[0]!.SourceArn)).toBe(ruleId);
    });
  });

  describe('its role: least privilege', () => {
    it('is its own role', () => {
      expect(referencedLogicalId(resources[FUNCTION_ID]!.Properties!.Role)).toBe(ROLE_ID);
    });

    it('lists executions of this state machine only', () => {
      expect(resourcesOf(grantsOf(ROLE_ID), 'states:ListExecutions')).toEqual([{ Ref: 'OrderPipelineStateMachine' }]);
    });

    it.each(['states:RedriveExecution', 'states:DescribeExecution', 'states:GetExecutionHistory'])(
      '%s: on the executions of this state machine only (order-pipeline-<stage>:*)',
      (action) => {
        expect(resourcesOf(grantsOf(ROLE_ID), action)).toEqual([executionsOfThisMachine]);
      },
    );

    it('may not start, stop or change anything in Step Functions but redrive', () => {
      const states = grantsOf(ROLE_ID)
        .map((grant) => grant.action)
        .filter((action) => action.startsWith('states:'));
      expect([...new Set(states)].sort()).toEqual(['states:DescribeExecution', 'states:GetExecutionHistory', 'states:ListExecutions', 'states:RedriveExecution']);
    });

    it('reads the Orders table with a Scan and writes no table', () => {
      const dynamodb = grantsOf(ROLE_ID).filter((grant) => grant.action.startsWith('dynamodb:'));
      expect(dynamodb).toEqual([{ action: 'dynamodb:Scan', resource: { 'Fn::GetAtt': ['OrdersTable', 'Arn'] } }]);
    });

    it("publishes to the operations topic only - never to the customers' notifications - with that topic's key", () => {
      const grants = grantsOf(ROLE_ID);
      expect(resourcesOf(grants, 'sns:Publish')).toEqual([{ Ref: 'OperationsTopic' }]);
      const kms = grants.filter((grant) => grant.action.startsWith('kms:'));
      expect(kms.map((grant) => grant.action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      // The key the operations topic is encrypted with, through its alias.
      const alias = ofType('AWS::KMS::Alias').find(([, a]) => a.Properties!.AliasName === resources.OperationsTopic!.Properties!.KmsMasterKeyId)!;
      const keyId = referencedLogicalId(alias[1].Properties!.TargetKeyId);
      for (const grant of kms) expect(grant.resource).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    });

    it('has no grant on "*" but the X-Ray writes every traced function needs', () => {
      const wildcards = grantsOf(ROLE_ID).filter((grant) => grant.resource === '*' || (!isIntrinsic(grant.resource) && String(grant.resource).endsWith(':*') && !String(grant.resource).includes('log-group')));
      expect(wildcards.map((grant) => grant.action).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    });
  });

  describe('its StuckOrders alarm', () => {
    const stuck = () => {
      const found = ofType('AWS::CloudWatch::Alarm').filter(([, alarm]) => alarm.Properties!.MetricName === 'StuckOrders');
      expect(found).toHaveLength(1);
      return found[0]![1].Properties!;
    };

    it('watches the metric the reconciler publishes (namespace, service and stage as the functions publish under)', () => {
      const fnEnv = resources[FUNCTION_ID]!.Properties!.Environment.Variables as Record<string, unknown>;
      const alarm = stuck();
      expect(alarm.Namespace).toBe('OrderPipeline');
      expect(alarm.Namespace).toBe(fnEnv.POWERTOOLS_METRICS_NAMESPACE);
      // EMF: Powertools' `service` dimension and lib/observability.ts's `stage`; CloudWatch matches the whole set.
      expect(alarm.Dimensions).toEqual([
        { Name: 'service', Value: fnEnv.POWERTOOLS_SERVICE_NAME },
        { Name: 'stage', Value: STAGE },
      ]);
      expect(alarm.AlarmName).toBe(`order-pipeline-${STAGE}-StuckOrders`);
    });

    it('alarms from one stuck order, stays put between runs, and notifies the operations topic on ALARM and OK', () => {
      expect(stuck()).toMatchObject({
        Statistic: 'Maximum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        // A period with no run (a rate over 5 minutes) neither clears nor raises it.
        TreatMissingData: 'ignore',
        AlarmActions: [{ Ref: 'OperationsTopic' }],
        OKActions: [{ Ref: 'OperationsTopic' }],
      });
    });
  });
});
