// Static checks of the workflow's Retry and Catch: every Task retries its integration's transient errors with
// backoff and full jitter and catches everything else; every error name is one the code (or AWS) really raises;
// every rejection reason has a route to RejectOrder, and nothing without a reason can get there.
import { describe, expect, it } from 'vitest';
import { allErrorClasses, TransientError, workflowErrorClasses } from '../../domain/errors.ts';
import { compensationPlan, RejectionReason, rejectionReasonFor } from '../../domain/order.ts';
import {
  integrationOf,
  isTerminal,
  loadDefinition,
  loadServerlessYaml,
  referencedLogicalId,
  tasks,
  type Catcher,
  type Integration,
  type State,
} from './definition.ts';
import {
  DYNAMODB_OPTIMIZED_ERRORS,
  DYNAMODB_SDK_ERRORS,
  LAMBDA_ERRORS,
  LAMBDA_TRANSIENT_ERRORS,
  STATES_ERRORS,
  UNCATCHABLE_ERRORS,
} from './awsErrorNames.ts';
import { constructedClasses, functionForHttp, functionNameForLogicalId, handlerSourceFile, importClosure } from './sourceCode.ts';

const definition = loadDefinition('prod');
const states = definition.States;
const config = loadServerlessYaml();
const REJECT_STATE = 'RejectOrder';

// ---- our error classes, by the name ErrorEquals matches and the HTTP status the API answers -----------------------
type ErrorClass = (typeof allErrorClasses)[number];
function sample(errorClass: ErrorClass): { name: string; httpStatus: number; transient: boolean } {
  // Every constructor takes (message-ish, detail-ish); these arguments suit all of them.
  const instance = Reflect.construct(errorClass, [['SKU-1'], 'code']) as Error & { httpStatus: number };
  return { name: instance.name, httpStatus: instance.httpStatus, transient: instance instanceof TransientError };
}
const WORKFLOW_ERRORS = new Map(workflowErrorClasses.map((errorClass) => [sample(errorClass).name, sample(errorClass)]));
const TRANSIENT = sample(TransientError);

/** HTTP statuses API Gateway answers by itself: throttled, bad integration response, integration timeout. */
const API_GATEWAY_OWN_STATUSES = [429, 502, 504];


/**
 * What each integration must retry (Lambda's transient service errors as AWS's best practice lists them,
 * throttling, TransientError), and a timeout: every task is idempotent, so an attempt that timed out may run again.
 */
const MUST_RETRY: Record<Integration, string[]> = {
  lambda: ['States.Timeout', TRANSIENT.name, ...LAMBDA_TRANSIENT_ERRORS],
  apigateway: ['States.Timeout', `ApiGateway.${TRANSIENT.httpStatus}`, ...API_GATEWAY_OWN_STATUSES.map((status) => `ApiGateway.${status}`)],
  dynamodb: [
    'States.Timeout',
    'DynamoDB.ProvisionedThroughputExceededException',
    'DynamoDB.RequestLimitExceededException',
    'DynamoDB.InternalServerErrorException',
    // ThrottlingException (and any other code without a Java v1 class) arrives under this name; the definition
    // explains why retrying it is worth also retrying a ValidationException.
    'DynamoDB.AmazonDynamoDBException',
  ],
  other: [],
};

/** Errors safe to retry: transient by nature, and every task is idempotent (so a timed-out attempt may be rerun). */
const RETRYABLE = new Set([...MUST_RETRY.lambda, ...MUST_RETRY.apigateway, ...MUST_RETRY.dynamodb, 'DynamoDB.TransactionConflictException']);

// Every Task is in exactly one of these two lists, with the reason.
/** Tasks whose failure, whatever it is, is turned into an outcome: they end their Catch with States.ALL. */
const CATCH_ALL: Record<string, string> = {
  ReceiveOrder: 'an invalid order is rejected, any other failure compensated',
  ValidatePayment: 'a decline is rejected, any other failure compensated',
  UpdateStock: 'out of stock is rejected, any other failure compensated',
  SendConfirmation: 'a confirmation that cannot be sent is recorded, or the order compensated',
  RejectOrder: 'a rejection that cannot be sent is recorded, or the order marked FAILED',
};
/**
 * Compensation, and the notice recorders: a failed dependency here is not an outcome. The step fails the
 * execution where it stopped (issue 10), so that RedriveExecution can resume it once the dependency is back; it
 * catches only a condition that tells where the order is (a decision), never States.ALL, and never straight to
 * the Fail state.
 */
const FAIL_WHERE_THEY_STOP: Record<string, string> = {
  ReleaseStock: 'stock left reserved is not an outcome',
  VoidPayment: 'an authorization left held is not an outcome',
  MarkFailed: 'an order not marked FAILED is not final; already final (its condition) goes on to NotifyFailure',
  NotifyFailure: 'the customer must be told',
  RecordConfirmationFailure: 'the failed notice must be recorded; never CONFIRMED (its condition) is compensated',
  RecordRejectionFailure: 'the failed notice must be recorded; never REJECTED (its condition) is marked FAILED',
};
/** The one error a decision may catch on those states: DynamoDB's answer to a failed condition. */
const DECISION_ERRORS = ['DynamoDB.ConditionalCheckFailedException'];

// ---- what each Task's code can throw -----------------------------------------------------------------------------
/** The serverless function behind a Task: the Lambda it invokes, or the one serving the API path it calls. */
function functionBehind(state: State): string | undefined {
  if (integrationOf(state) === 'lambda') {
    const logicalId = referencedLogicalId(state.Parameters?.FunctionName);
    if (!logicalId) throw new Error('A lambda:invoke Task whose FunctionName is not !GetAtt <fn>.Arn');
    return functionNameForLogicalId(config, logicalId);
  }
  if (integrationOf(state) === 'apigateway') {
    return functionForHttp(config, String(state.Parameters?.Method), String(state.Parameters?.Path));
  }
  return undefined;
}

function classesThrownBehind(state: State): Set<string> {
  const fn = functionBehind(state);
  return fn ? constructedClasses(importClosure(handlerSourceFile(config, fn))) : new Set();
}

/** Why this name may not appear in this Task's ErrorEquals, or undefined when it may. */
function nameProblem(name: string, state: State): string | undefined {
  const integration = integrationOf(state);
  if (name.startsWith('States.')) return STATES_ERRORS.has(name) ? undefined : 'not a States.* error Step Functions raises';
  if (name.startsWith('Lambda.')) {
    if (!LAMBDA_ERRORS.has(name)) return 'not a Lambda error AWS raises (tests/definition/awsErrorNames.ts)';
    return integration === 'lambda' ? undefined : 'a Lambda error on a non-Lambda task';
  }
  if (name.startsWith('DynamoDB.')) {
    if (!DYNAMODB_OPTIMIZED_ERRORS.has(name)) return 'not a name the optimized DynamoDB integration raises (tests/definition/awsErrorNames.ts)';
    return integration === 'dynamodb' ? undefined : 'a DynamoDB error on a non-DynamoDB task';
  }
  if (name.startsWith('DynamoDb.')) {
    if (!DYNAMODB_SDK_ERRORS.has(name)) return 'not a name the aws-sdk:dynamodb integration raises (tests/definition/awsErrorNames.ts)';
    return state.Resource?.startsWith('arn:aws:states:::aws-sdk:dynamodb:') ? undefined : 'an aws-sdk:dynamodb error (DynamoDb.) on another task';
  }
  const api = /^ApiGateway\.(\d{3})$/.exec(name);
  if (api) {
    if (integration !== 'apigateway') return 'an API Gateway error on a non-API task';
    const status = Number(api[1]);
    if (API_GATEWAY_OWN_STATUSES.includes(status)) return undefined;
    const thrown = classesThrownBehind(state);
    const ours = allErrorClasses.map(sample).filter((error) => error.httpStatus === status);
    if (ours.length === 0) return `no error class of ours answers ${status}`;
    if (!ours.some((error) => thrown.has(error.name))) return `the endpoint never throws ${ours.map((e) => e.name).join('/')} (HTTP ${status})`;
    return undefined;
  }
  if (WORKFLOW_ERRORS.has(name)) {
    if (integration !== 'lambda') return 'a domain error only reaches the workflow from a Lambda task';
    return classesThrownBehind(state).has(name) ? undefined : `the task's code never does \`new ${name}(\``;
  }
  return 'neither a workflow error class (domain/errors.ts workflowErrorClasses) nor a States/Lambda/DynamoDB/ApiGateway error';
}

// ---- following an error through the graph --------------------------------------------------------------------------
// A token says what `$.Error` holds: an error name, or '<any>' (some error caught by States.*), or '<unknown>'.
type Token = string;
const ANY = '<any>';
const UNKNOWN = '<unknown>';
const isConcrete = (token: Token) => !token.startsWith('<');

/** Whether a ResultPath/OutputPath leaves `$.Error` as it was. */
function keepsError(resultPath: string | null | undefined, outputPath?: string | null): boolean {
  const resultKeeps = resultPath === null || (resultPath !== undefined && resultPath !== '$' && !resultPath.startsWith('$.Error'));
  return resultKeeps && (outputPath === undefined || outputPath === '$');
}

function caughtToken(catcher: Catcher, caught: Token, before: Token): Token {
  if (catcher.ResultPath === undefined || catcher.ResultPath === '$') return caught; // the state becomes {Error, Cause}
  return keepsError(catcher.ResultPath) ? before : UNKNOWN;
}

function choiceMoves(state: State, token: Token): Array<[string, Token]> {
  const moves: Array<[string, Token]> = [];
  for (const rule of state.Choices ?? []) {
    const simple = rule.Variable === '$.Error' && typeof rule.StringEquals === 'string' && Object.keys(rule).length === 3;
    if (!simple) {
      moves.push([rule.Next, token]); // a rule we do not evaluate: it may or may not match
      continue;
    }
    if (isConcrete(token)) {
      if (token === rule.StringEquals) return [...moves, [rule.Next, token]];
    } else {
      moves.push([rule.Next, rule.StringEquals!]);
    }
  }
  return state.Default ? [...moves, [state.Default, token]] : moves;
}

/** Where a state sends `$.Error` next: on success, and (when asked) through each of its catchers. */
function moves(name: string, token: Token, withCatches: boolean): Array<[string, Token]> {
  const state = states[name]!;
  if (state.Type === 'Choice') return choiceMoves(state, token);
  const out: Array<[string, Token]> = [];
  if (!isTerminal(state) && state.Next) out.push([state.Next, keepsError(state.ResultPath, state.OutputPath) ? token : UNKNOWN]);
  if (withCatches) {
    for (const catcher of state.Catch ?? []) {
      for (const caught of catcher.ErrorEquals) out.push([catcher.Next, caughtToken(catcher, caught.startsWith('States.') ? ANY : caught, token)]);
    }
  }
  return out;
}

/** Every `$.Error` with which `target` can be entered, over all paths from StartAt (success and failure). */
function tokensEntering(target: string): Set<Token> {
  const arriving = new Set<Token>();
  const seen = new Set<string>();
  const queue: Array<[string, Token]> = [[definition.StartAt, UNKNOWN]];
  while (queue.length > 0) {
    const [name, token] = queue.shift()!;
    const key = `${name}\u0000${token}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (name === target) {
      arriving.add(token);
      continue; // what the target does with its own failures is checked by the Catch tests
    }
    queue.push(...moves(name, token, true));
  }
  return arriving;
}

/** Every `$.Error` with which RejectOrder can be entered. */
const tokensEnteringRejectOrder = () => tokensEntering(REJECT_STATE);

/** The Tasks an execution runs from `start` with `error` in `$.Error` when every step succeeds, and where it ends. */
function compensationRun(start: string, error: Token): { tasks: string[]; end: string } {
  const run: string[] = [];
  let at: [string, Token] | undefined = [start, error];
  for (;;) {
    const [name, token] = at;
    if (run.includes(name)) throw new Error(`compensation loops at ${name}`);
    run.push(name);
    const options = moves(name, token, false);
    if (options.length === 0) return { tasks: run.filter((step) => states[step]!.Type === 'Task'), end: name };
    if (options.length !== 1) throw new Error(`compensation is ambiguous at ${name}`);
    at = options[0]!;
  }
}

/** The states an error caught by this catcher goes through when every compensation step succeeds. */
function routeOf(catcher: Catcher, error: string): { path: string[]; tokenAtEnd: Token } {
  const path: string[] = [];
  let next: [string, Token] | undefined = [catcher.Next, caughtToken(catcher, error, UNKNOWN)];
  while (next) {
    const [name, token] = next;
    if (path.includes(name)) throw new Error(`The route of ${error} loops at ${name}`);
    path.push(name);
    if (name === REJECT_STATE || isTerminal(states[name]!)) return { path, tokenAtEnd: token };
    const options = moves(name, token, false);
    if (options.length !== 1) throw new Error(`The route of ${error} is ambiguous at ${name}`);
    next = options[0];
  }
  return { path, tokenAtEnd: UNKNOWN };
}

// ---- the tests -----------------------------------------------------------------------------------------------------
describe('workflow definition: error names', () => {
  it('derives the workflow error names from domain/errors.ts (class name = error name)', () => {
    for (const errorClass of workflowErrorClasses) expect(sample(errorClass).name).toBe(errorClass.name);
    expect([...WORKFLOW_ERRORS.keys()]).toContain(TRANSIENT.name);
  });

  it('uses only error names the code or AWS really raise, each on a task that can raise it', () => {
    const problems: string[] = [];
    for (const [name, state] of tasks(definition)) {
      for (const rule of [...(state.Retry ?? []), ...(state.Catch ?? [])]) {
        for (const errorName of rule.ErrorEquals) {
          const problem = nameProblem(errorName, state);
          if (problem) problems.push(`${name}: ${errorName}: ${problem}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('only names domain errors that some handler really throws (`new <Name>(` in its bundled sources)', () => {
    const used = new Set(
      tasks(definition).flatMap(([, state]) => [...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((rule) => rule.ErrorEquals)),
    );
    const domainNames = [...used].filter((name) => WORKFLOW_ERRORS.has(name));
    expect(domainNames.length).toBeGreaterThan(0);
    const handlers = Object.keys(config.functions).map((fn) => handlerSourceFile(config, fn));
    const thrownAnywhere = constructedClasses([...new Set(handlers.flatMap(importClosure))]);
    for (const name of domainNames) expect(thrownAnywhere.has(name), `new ${name}( in the handlers' code`).toBe(true);
  });

  it('flags an error name that nothing throws (the check above can fail)', () => {
    const receive = states.ReceiveOrder!;
    expect(nameProblem('NoSuchError', receive)).toBeDefined();
    expect(nameProblem('OrderStateConflict', states.ValidatePayment!)).toBeDefined(); // domain name on the HTTP task
    expect(nameProblem('ApiGateway.418', states.ValidatePayment!)).toBeDefined();
    expect(nameProblem('DynamoDB.ProvisionedThroughputExceededException', receive)).toBeDefined(); // wrong integration
    expect(nameProblem('States.Timout', receive)).toBeDefined();
    expect(nameProblem('Lambda.ResourceNotReadyException', receive)).toBeDefined(); // not in the closed list
  });

  it.each([
    // No Java v1 class: a ThrottlingException arrives as DynamoDB.AmazonDynamoDBException.
    'DynamoDB.ThrottlingException',
    // The class carries the suffix: RequestLimitExceededException, InternalServerErrorException.
    'DynamoDB.RequestLimitExceeded',
    'DynamoDB.InternalServerError',
    // The aws-sdk integration's spelling, on an optimized-integration task.
    'DynamoDb.ResourceNotFoundException',
    'DynamoDB.DynamoDbException',
    'DynamoDB.AnythingElse',
  ])('refuses %s on a DynamoDB task (only names AWS raises, not "any DynamoDB.*")', (name) => {
    expect(nameProblem(name, states.MarkFailed!)).toBeDefined();
  });

  it('accepts the names the optimized DynamoDB integration really raises', () => {
    for (const name of ['DynamoDB.ConditionalCheckFailedException', 'DynamoDB.AmazonDynamoDBException', 'DynamoDB.RequestLimitExceededException']) {
      expect(nameProblem(name, states.MarkFailed!), name).toBeUndefined();
    }
  });

  it('names in no Retry or Catch an error that no Catch can handle (States.Runtime, States.DataLimitExceeded)', () => {
    const named = tasks(definition).flatMap(([name, state]) =>
      [...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((rule) => rule.ErrorEquals.map((error) => `${name}: ${error}`)),
    );
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((entry) => UNCATCHABLE_ERRORS.some((error) => entry.endsWith(`: ${error}`)))).toEqual([]);
  });
});

describe('workflow definition: Retry', () => {
  it('has no Task of an integration these checks do not know', () => {
    const unknown = tasks(definition).filter(([, state]) => integrationOf(state) === 'other').map(([name]) => name);
    expect(unknown).toEqual([]);
  });

  it.each(tasks(definition))("%s retries its integration's transient errors with backoff and full jitter", (_name, state) => {
    const required = MUST_RETRY[integrationOf(state)];
    expect(required.length).toBeGreaterThan(0);
    for (const errorName of required) {
      const retrier = (state.Retry ?? []).find((rule) => rule.ErrorEquals.includes(errorName));
      expect(retrier, `a Retry for ${errorName}`).toBeDefined();
      expect(retrier!.JitterStrategy, errorName).toBe('FULL');
      expect(retrier!.BackoffRate ?? 2, errorName).toBeGreaterThan(1);
      expect(retrier!.MaxAttempts ?? 3, errorName).toBeGreaterThanOrEqual(2);
      expect(retrier!.IntervalSeconds ?? 1, errorName).toBeGreaterThanOrEqual(1);
      expect(retrier!.MaxDelaySeconds, `${errorName}: cap the backoff`).toBeDefined();
    }
  });

  it('never retries an error that will not go away (declines, out of stock, conflicts, States.ALL)', () => {
    const retried = tasks(definition).flatMap(([name, state]) =>
      (state.Retry ?? []).flatMap((rule) => rule.ErrorEquals.map((errorName) => `${name}: ${errorName}`)),
    );
    const wrong = retried.filter((entry) => !RETRYABLE.has(entry.slice(entry.indexOf(': ') + 2)));
    expect(wrong).toEqual([]);
    for (const [name, error] of WORKFLOW_ERRORS) {
      if (!error.transient) expect(RETRYABLE.has(name), name).toBe(false);
      if (rejectionReasonFor(name)) expect(RETRYABLE.has(name), name).toBe(false);
    }
  });
});

describe('workflow definition: Catch', () => {
  it('puts every Task in exactly one of CATCH_ALL and FAIL_WHERE_THEY_STOP', () => {
    const names = tasks(definition).map(([name]) => name).sort();
    expect(names.length).toBeGreaterThan(0);
    expect([...Object.keys(CATCH_ALL), ...Object.keys(FAIL_WHERE_THEY_STOP)].sort()).toEqual(names);
  });

  it.each(tasks(definition).filter(([name]) => name in CATCH_ALL))('%s ends its Catch with States.ALL', (_name, state) => {
    const catchers = state.Catch ?? [];
    expect(catchers.length).toBeGreaterThan(0);
    expect(catchers.at(-1)!.ErrorEquals).toEqual(['States.ALL']);
    expect(catchers.slice(0, -1).some((catcher) => catcher.ErrorEquals.includes('States.ALL'))).toBe(false);
  });

  it.each(tasks(definition).filter(([name]) => name in FAIL_WHERE_THEY_STOP))(
    '%s catches no failed dependency: only a failed condition, never to the Fail state',
    (_name, state) => {
      for (const catcher of state.Catch ?? []) {
        expect(catcher.ErrorEquals.filter((error) => !DECISION_ERRORS.includes(error))).toEqual([]);
        expect(states[catcher.Next]!.Type).not.toBe('Fail');
        // The caught condition says nothing about the order: the state goes on with its input, the caught error.
        expect(catcher.ResultPath).toBeNull();
      }
    },
  );

  it.each([
    ['MarkFailed', 'NotifyFailure'],
    ['RecordConfirmationFailure', 'ReleaseStock'],
    ['RecordRejectionFailure', 'MarkFailed'],
  ])('%s sends its failed condition on to %s (the decision it stands for)', (name, next) => {
    expect(states[name]!.Catch).toEqual([{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], ResultPath: null, Next: next }]);
  });

  it('has a route to RejectOrder for every rejection reason (directly or through the compensation Choice)', () => {
    const reasons = Object.values(RejectionReason);
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) {
      const routes = tasks(definition).flatMap(([name, state]) =>
        (state.Catch ?? []).flatMap((catcher) =>
          catcher.ErrorEquals.filter((errorName) => rejectionReasonFor(errorName) === reason).map((errorName) => ({
            name,
            errorName,
            route: routeOf(catcher, errorName),
          })),
        ),
      );
      expect(routes.length, `a Catch naming an error that means ${reason}`).toBeGreaterThan(0);
      for (const { name, errorName, route } of routes) {
        const label = `${name} catching ${errorName} -> ${route.path.join(' -> ')}`;
        expect(route.path.at(-1), label).toBe(REJECT_STATE);
        // RejectOrder reads the reason from $.Error: it must still be the caught error when it gets there.
        expect(route.tokenAtEnd, label).toBe(errorName);
      }
    }
  });

  it('lets nothing reach RejectOrder without a rejection reason (RejectOrder would fail on it)', () => {
    const arriving = [...tokensEnteringRejectOrder()];
    expect(arriving.length).toBeGreaterThan(0);
    const unexplained = arriving.filter((token) => !isConcrete(token) || rejectionReasonFor(token) === undefined);
    expect(unexplained).toEqual([]);
  });

  it('would notice an error routed to RejectOrder without a reason (the check above can fail)', () => {
    const original = states.UpdateStock!.Catch;
    try {
      states.UpdateStock!.Catch = [{ ErrorEquals: ['States.ALL'], ResultPath: '$', Next: REJECT_STATE }];
      expect([...tokensEnteringRejectOrder()]).toContain(ANY);
    } finally {
      states.UpdateStock!.Catch = original;
    }
  });
});

describe('workflow definition: compensation', () => {
  it('runs the steps domain/order.ts compensationPlan tracks on the order, in its order', () => {
    // A failure: everything is undone, then FAILED and told; out of stock: the payment voided, then rejected.
    const failure = compensationRun('ReleaseStock', 'TransientError');
    expect(failure).toEqual({ tasks: ['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure'], end: 'OrderFailed' });
    expect(failure.tasks).toEqual(compensationPlan('TransientError'));
    const outOfStock = compensationRun('VoidPayment', 'OutOfStock');
    expect(outOfStock).toEqual({ tasks: ['VoidPayment', 'RejectOrder'], end: REJECT_STATE });
    expect(outOfStock.tasks).toEqual(compensationPlan('OutOfStock'));
  });

  it('enters compensation only at its first step for that error: OutOfStock at VoidPayment, anything else at ReleaseStock', () => {
    const entering = (name: string) => [...tokensEntering(name)].sort();
    expect(entering('ReleaseStock').length).toBeGreaterThan(0);
    expect(entering('ReleaseStock').filter((token) => token === 'OutOfStock' || token === UNKNOWN)).toEqual([]);
    // VoidPayment after ReleaseStock (any error) or straight from UpdateStock's OutOfStock: $.Error always holds it.
    expect(entering('VoidPayment')).toContain('OutOfStock');
    expect(entering('VoidPayment')).not.toContain(UNKNOWN);
    expect(entering('MarkFailed')).not.toContain(UNKNOWN);
    expect(entering('NotifyFailure')).not.toContain(UNKNOWN);
  });

  it.each(['ReleaseStock', 'VoidPayment', 'NotifyFailure'])(
    '%s gets the caught error and the redrive count, so a redrive can run it again from its own input',
    (name) => {
      // $$.Execution.RedriveCount is 0 until the execution is redriven (Step Functions developer guide, "Accessing
      // execution data from the Context object").
      expect(states[name]!.Parameters?.Payload).toEqual({
        'orderId.$': '$$.Execution.Name',
        'error.$': '$.Error',
        'redriveCount.$': '$$.Execution.RedriveCount',
      });
      expect(states[name]!.ResultPath).toBeNull();
    },
  );
});

describe('workflow definition: an API answer of any shape cannot fail the execution uncaught', () => {
  // A JSON object body arrives in ResponseBody as an object; strings, numbers and booleans arrive as strings
  // (AWS-recorded runs: LocalStack snapshot tests/aws/services/stepfunctions/v2/services/test_apigetway_task_service.snapshot.json).
  // A path into a string fails with States.Runtime, which no Catch handles - States.ALL included (Step Functions
  // developer guide, "Error handling in Step Functions workflows"): the payment's card hold would stay.
  const apiTasks = tasks(definition).filter(([, state]) => integrationOf(state) === 'apigateway');
  const TOP_LEVEL = /^\$\.(ResponseBody|StatusCode|StatusText|Headers)$/;

  function selectedPaths(value: unknown, at = ''): Array<[string, string]> {
    if (value === null || typeof value !== 'object') return [];
    return Object.entries(value).flatMap(([key, inner]) =>
      key.endsWith('.$') && typeof inner === 'string' ? [[`${at}${key.slice(0, -2)}`, inner] as [string, string]] : selectedPaths(inner, `${at}${key}.`),
    );
  }

  it('has an API Gateway task to check', () => {
    expect(apiTasks.length).toBeGreaterThan(0);
  });

  it.each(apiTasks)('%s selects only top-level fields of the answer (never a path into ResponseBody)', (_name, state) => {
    const paths = selectedPaths(state.ResultSelector);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter(([, path]) => !TOP_LEVEL.test(path))).toEqual([]);
    expect(state.OutputPath ?? '$').toBe('$');
  });

  it.each(apiTasks)('%s hands the body it selected to the next state, which checks it', (_name, state) => {
    const body = selectedPaths(state.ResultSelector).find(([, path]) => path === '$.ResponseBody');
    expect(body, 'ResultSelector keeps $.ResponseBody').toBeDefined();
    expect(state.ResultPath).toMatch(/^\$\.[A-Za-z]+$/);
    const next = states[state.Next!]!;
    const passed = selectedPaths(next.Parameters).map(([, path]) => path);
    expect(passed).toContain(`${state.ResultPath}.${body![0]}`);
  });
});
