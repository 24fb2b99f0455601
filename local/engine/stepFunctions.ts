// The deployed state machine, run locally: ONE aws-local-stepfunctions StateMachine built from the resolved
// definition and reused by every execution; StartExecution/DescribeExecution with Step Functions' semantics.
import { randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { CloudFormationResolver, LocalStateMachineTarget } from '../stack/cloudFormation.ts';
import {
  assertUniqueStateNames,
  bridgeEngineGaps,
  resolveDefinition,
  retryIntervalOverridesFor,
  stateTypes,
  taskStates,
  type Definition,
} from './definition.ts';
import { formatTraceLine, HistoryBuilder, type EngineEvent } from './executionHistory.ts';
import { ExecutionRegistry, StepFunctionsError, type ExecutionRecord } from './executions.ts';
import { buildTaskHandlers, type JsonValue, type TaskDeps } from './taskResources.ts';

/** Step Functions' limit on an execution's input. */
const MAX_INPUT_BYTES = 256 * 1024;

export type RetryIntervalOverrides = number | Record<string, number | number[]>;

export interface LocalStepFunctionsOptions {
  /** The state machine definition as `serverless print` gives it (intrinsics unresolved). */
  definition: unknown;
  resolver: CloudFormationResolver;
  target: LocalStateMachineTarget;
  deps: Omit<TaskDeps, 'stateMachineRoleArn'>;
  registry?: ExecutionRegistry;
  /** Receives one line per state event; omit to stay quiet. */
  trace?: (line: string) => void;
  /** Milliseconds to wait before each retry: a number for every state with a Retry, or per state. Default: as declared. */
  retryIntervalOverrides?: RetryIntervalOverrides;
}

export interface StartExecutionInput {
  stateMachineArn?: string;
  name?: string;
  /** JSON text, as the StartExecution API takes it. Default "{}". */
  input?: string;
}

/**
 * `$$.State.EnteredTime` for the engine, which does not fill `$$.State`: every read during one synchronous
 * evaluation (a state's Parameters are evaluated synchronously right after it is entered) gets the same time.
 */
function stateContext(): Record<string, unknown> {
  let cached: string | undefined;
  const state = {};
  Object.defineProperty(state, 'EnteredTime', {
    enumerable: true,
    get() {
      if (cached === undefined) {
        cached = new Date().toISOString();
        queueMicrotask(() => {
          cached = undefined;
        });
      }
      return cached;
    },
  });
  return state;
}

export class LocalStepFunctions {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly roleArn: string;
  /** The definition as deployed, intrinsics resolved to local targets. */
  readonly definition: Definition;
  readonly registry: ExecutionRegistry;
  private readonly engine: StateMachine;
  private readonly handlers: ReturnType<typeof buildTaskHandlers>;
  private readonly types: Map<string, string>;
  private readonly retryOverrides: Record<string, number | number[]> | undefined;
  private readonly running = new Map<string, { abort: () => void; done: Promise<void> }>();

  constructor(private readonly options: LocalStepFunctionsOptions) {
    const { resolver, target } = options;
    this.stateMachineArn = target.arn;
    this.name = target.name;
    this.roleArn = `arn:aws:iam::${resolver.accountId}:role/${resolver.service}-${resolver.stage}-${target.logicalId}Role`;
    this.definition = resolveDefinition(options.definition, resolver, `stepFunctions.stateMachines.${target.key}.definition`);
    assertUniqueStateNames(this.definition);
    const tasks = taskStates(this.definition);
    const bridged = bridgeEngineGaps(this.definition);
    this.types = stateTypes(this.definition);
    this.handlers = buildTaskHandlers(tasks, bridged.shimmedFailStates, { ...options.deps, stateMachineRoleArn: this.roleArn });
    this.engine = new StateMachine(bridged.definition as unknown as StateMachineDefinition);
    const overrides = options.retryIntervalOverrides;
    this.retryOverrides = typeof overrides === 'number' ? retryIntervalOverridesFor(this.definition, overrides) : overrides;
    this.registry = options.registry ?? new ExecutionRegistry(this.stateMachineArn);
  }

  /** StartExecution: a new execution, or the RUNNING one with this name and input; ExecutionAlreadyExists otherwise. */
  startExecution(request: StartExecutionInput): { record: ExecutionRecord; isNew: boolean } {
    if (request.stateMachineArn !== undefined && request.stateMachineArn !== this.stateMachineArn) {
      throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${request.stateMachineArn}'`);
    }
    const input = request.input ?? '{}';
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES) {
      throw new StepFunctionsError('InvalidExecutionInput', `Invalid State Machine Execution Input: 'input is larger than ${MAX_INPUT_BYTES} bytes'`);
    }
    let parsed: JsonValue;
    try {
      parsed = JSON.parse(input) as JsonValue;
    } catch (error) {
      throw new StepFunctionsError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(error as Error).message}'`);
    }
    const started = this.registry.begin(request.name ?? randomUUID(), input);
    if (started.isNew) this.run(started.record, parsed);
    return started;
  }

  describeExecution(executionArn: string): ExecutionRecord {
    const record = this.registry.getByArn(executionArn);
    if (!record) throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  waitForExecution(name: string, timeoutMs?: number): Promise<ExecutionRecord> {
    return this.registry.waitFor(name, timeoutMs);
  }

  /** Aborts running executions (they end ABORTED) and waits for them to settle. */
  async stop(): Promise<void> {
    const running = [...this.running.values()];
    for (const execution of running) execution.abort();
    await Promise.all(running.map((execution) => execution.done));
  }

  private run(record: ExecutionRecord, input: JsonValue): void {
    const history = new HistoryBuilder(this.types);
    record.history = history.events;
    const execution = this.engine.run(input, {
      overrides: {
        taskResourceLocalHandlers: this.handlers,
        ...(this.retryOverrides ? { retryIntervalOverrides: this.retryOverrides } : {}),
      },
      context: {
        Execution: { Id: record.executionArn, Name: record.name, RoleArn: this.roleArn, StartTime: record.startDate.toISOString(), RedriveCount: 0 },
        StateMachine: { Id: this.stateMachineArn, Name: this.name },
        State: stateContext(),
      },
    });
    const trace = this.options.trace;
    const consume = (async () => {
      for await (const event of execution.eventLogs) {
        const entry = history.add(event as unknown as EngineEvent);
        trace?.(formatTraceLine(record.name, entry));
      }
    })();
    const done = (async () => {
      const [outcome] = await Promise.allSettled([execution.result, consume]);
      if (outcome.status === 'fulfilled') {
        this.registry.finish(record.name, { status: 'SUCCEEDED', output: JSON.stringify(outcome.value ?? null) });
      } else {
        const error = outcome.reason as Error;
        if (error instanceof ExecutionAbortedError) this.registry.finish(record.name, { status: 'ABORTED' });
        else if (error instanceof ExecutionTimeoutError) {
          this.registry.finish(record.name, { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution timed out' });
        } else {
          const cause = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
          this.registry.finish(record.name, {
            status: 'FAILED',
            error: cause.name || 'Error',
            ...(cause.message ? { cause: cause.message } : {}),
          });
        }
      }
      this.running.delete(record.name);
    })();
    this.running.set(record.name, { abort: execution.abort, done });
  }
}
