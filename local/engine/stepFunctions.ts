// The deployed state machine, run locally: ONE aws-local-stepfunctions StateMachine built from the resolved
// definition and reused by every execution; StartExecution/DescribeExecution/StopExecution/RedriveExecution with
// Step Functions' semantics. The engine can only start at StartAt: a redrive runs a copy of the definition that
// starts at the state to resume (one copy per state, built once).
import { randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { CloudFormationResolver, LocalStateMachineTarget } from '../stack/cloudFormation.ts';
import { assertUniqueStateNames, bridgeEngineGaps, resolveDefinition, retryIntervalOverridesFor, taskStates, type Definition } from './definition.ts';
import { detailsOf, formatTraceLine, HistoryBuilder, stateInfos, type EngineEvent, type HistoryEvent, type StateInfo } from './executionHistory.ts';
import { ExecutionRegistry, redriveStatus, StepFunctionsError, type ExecutionRecord } from './executions.ts';
import { buildTaskHandlers, type JsonValue, type TaskDeps, type TaskHandler } from './taskResources.ts';

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
  /** Receives one trace line per history event worth a line; omit to stay quiet. */
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

export interface StopExecutionInput {
  error?: string;
  cause?: string;
}

export interface RedriveExecutionInput {
  /** Idempotency: the same token within 15 minutes answers the same redrive again (API reference, RedriveExecution). */
  clientToken?: string;
}

/** The cause of the ExecutionAborted event of an execution still running when the stack stops. */
export const STACK_STOPPED_CAUSE = 'The local stack stopped while the execution ran';

/** "The API will return idempotent responses for the last 10 client tokens ... valid for up to 15 minutes after they are first used." */
const REDRIVE_TOKENS_KEPT = 10;
const REDRIVE_TOKEN_TTL_MS = 15 * 60 * 1000;

/**
 * Context fields a redriven run reads instead of `$$.Execution.Input`/`StartTime`: the engine sets those two to the
 * run's own input (here: the resumed state's) and start, while they belong to the execution as it was started.
 */
const CONTEXT_INPUT = 'OriginalInput';
const CONTEXT_START_TIME = 'OriginalStartTime';

/** The definition with every `$$.Execution.Input`/`$$.Execution.StartTime` reference pointed at the fields above. */
function readOriginalExecution<T>(value: T): T {
  if (typeof value === 'string') {
    return value
      .replace(/\$\$\.Execution\.Input(?![A-Za-z0-9_])/g, `$$$$.Execution.${CONTEXT_INPUT}`)
      .replace(/\$\$\.Execution\.StartTime(?![A-Za-z0-9_])/g, `$$$$.Execution.${CONTEXT_START_TIME}`) as T;
  }
  if (Array.isArray(value)) return value.map(readOriginalExecution) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, readOriginalExecution(member)])) as T;
  }
  return value;
}

/**
 * Where a redrive resumes, read off the history: the top-level state that was entered and never exited (the one that
 * failed, or was running when the execution was aborted or timed out), with the input of its `*StateEntered` event.
 * If every state entered had exited, the next one (or a Choice again: its exit does not say where it went); with no
 * state entered, StartAt and the execution's input.
 */
export function resumePoint(definition: Definition, history: readonly HistoryEvent[], executionInput: string): { state: string; input: string } {
  let open: { state: string; input: string } | undefined;
  let exited: { state: string; input: string; output: string } | undefined;
  for (const event of history) {
    const details = (detailsOf(event) ?? {}) as { name?: unknown; input?: unknown; output?: unknown };
    if (typeof details.name !== 'string' || !(details.name in definition.States)) continue;
    if (event.type.endsWith('StateEntered')) open = { state: details.name, input: typeof details.input === 'string' ? details.input : 'null' };
    else if (event.type.endsWith('StateExited') && open?.state === details.name) {
      exited = { ...open, output: typeof details.output === 'string' ? details.output : 'null' };
      open = undefined;
    }
  }
  if (open) return open;
  if (exited) {
    const next = definition.States[exited.state]!.Next;
    return typeof next === 'string' ? { state: next, input: exited.output } : { state: exited.state, input: exited.input };
  }
  return { state: definition.StartAt, input: executionInput };
}

/**
 * What a task handler is refused with once its execution is stopping (a retry wait the abort cut short). Nothing
 * may retry or catch it: the engine then winds the aborted run down without starting another task.
 */
export class ExecutionStoppedError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(executionArn: string) {
    super(`execution ${executionArn} was stopped`);
    this.name = 'ExecutionStopped';
  }
}

/**
 * Resolves once everything already queued has run. The engine reports its events through an async generator that
 * runs on promise callbacks; a task handler that waits for this knows that every event the engine dispatched before
 * calling it is in the history, so its own events land in the true order.
 */
function engineEventsDelivered(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface RunningExecution {
  abort: () => void;
  done: Promise<void>;
  history: HistoryBuilder;
  stopDate?: Date;
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
  /** The definition the engine runs (bridged), and the redrive copies of it by the state they start at. */
  private readonly engineDefinition: Definition;
  private readonly resumeEngines = new Map<string, StateMachine>();
  private readonly redriveTokens = new Map<string, Array<{ token: string; at: number; redriveDate: Date }>>();
  private readonly handlers: Record<string, TaskHandler>;
  private readonly states: Map<string, StateInfo>;
  private readonly region: string;
  private readonly retryOverrides: Record<string, number | number[]> | undefined;
  private readonly running = new Map<string, RunningExecution>();

  constructor(private readonly options: LocalStepFunctionsOptions) {
    const { resolver, target } = options;
    this.stateMachineArn = target.arn;
    this.name = target.name;
    this.region = resolver.region;
    this.roleArn = `arn:aws:iam::${resolver.accountId}:role/${resolver.service}-${resolver.stage}-${target.logicalId}Role`;
    this.definition = resolveDefinition(options.definition, resolver, `stepFunctions.stateMachines.${target.key}.definition`);
    assertUniqueStateNames(this.definition);
    const tasks = taskStates(this.definition);
    const bridged = bridgeEngineGaps(this.definition);
    this.states = stateInfos(this.definition);
    this.handlers = buildTaskHandlers(tasks, bridged.shimmedFailStates, { ...options.deps, stateMachineRoleArn: this.roleArn });
    this.engineDefinition = bridged.definition;
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

  /**
   * StopExecution: the execution ends ABORTED, its history with ExecutionAborted (carrying `error`/`cause`), and no
   * task starts after this call. The status changes once the engine has wound down, which takes only promise
   * callbacks, not I/O: `waitForExecution` resolves with the full history. An execution that already ended is left as
   * it is and its stopDate returned (the API reference lists no error for it).
   */
  stopExecution(executionArn: string, request: StopExecutionInput = {}): { stopDate: Date } {
    const record = this.describeExecution(executionArn);
    const running = this.running.get(record.name);
    if (record.status !== 'RUNNING' || !running) return { stopDate: record.stopDate ?? new Date() };
    if (!running.stopDate) {
      running.stopDate = new Date();
      running.history.requestStop(request);
      running.abort();
    }
    return { stopDate: running.stopDate };
  }

  /**
   * RedriveExecution: a FAILED, ABORTED or TIMED_OUT execution within AWS's limits (redriveStatus) runs again from the
   * state it stopped in, with that state's input; the states that succeeded are not run again. It keeps its ARN and
   * history: ExecutionRedriven, then the resumed state's events. Retry counts start afresh (a new run of the state).
   * Throws ExecutionDoesNotExist or ExecutionNotRedrivable (with DescribeExecution's reason as its message).
   */
  redriveExecution(executionArn: string, request: RedriveExecutionInput = {}): { redriveDate: Date } {
    const record = this.describeExecution(executionArn);
    const now = new Date();
    const tokens = (this.redriveTokens.get(record.name) ?? []).filter((used) => now.getTime() - used.at <= REDRIVE_TOKEN_TTL_MS);
    const repeated = request.clientToken === undefined ? undefined : tokens.find((used) => used.token === request.clientToken);
    if (repeated) return { redriveDate: repeated.redriveDate };
    const status = redriveStatus(record, now);
    if (!status.redrivable) throw new StepFunctionsError('ExecutionNotRedrivable', status.reason);
    const resume = resumePoint(this.definition, record.history, record.input);
    const input = JSON.parse(resume.input) as JsonValue;
    this.registry.redrive(record.name, now);
    this.run(record, input, { engine: this.resumeEngine(resume.state), redriveCount: record.redriveCount ?? 1 });
    if (request.clientToken !== undefined) tokens.push({ token: request.clientToken, at: now.getTime(), redriveDate: now });
    this.redriveTokens.set(record.name, tokens.slice(-REDRIVE_TOKENS_KEPT));
    return { redriveDate: now };
  }

  waitForExecution(name: string, timeoutMs?: number): Promise<ExecutionRecord> {
    return this.registry.waitFor(name, timeoutMs);
  }

  /**
   * Stops every running execution (each ends ABORTED, as StopExecution would, its pending retries cut short) and
   * waits for them to settle; a registry with a file has them by then, with their history, to be redriven later.
   */
  async stop(): Promise<void> {
    const running = [...this.running.entries()];
    for (const [name] of running) this.stopExecution(this.registry.executionArn(name), { cause: STACK_STOPPED_CAUSE });
    await Promise.all(running.map(([, execution]) => execution.done));
  }

  /**
   * The engine for a redrive resuming at `state`: the definition with StartAt there. Not validated again: it is the
   * definition the constructor validated, and asl-validator would refuse it for the states before `state`, which it
   * cannot reach.
   */
  private resumeEngine(state: string): StateMachine {
    let engine = this.resumeEngines.get(state);
    if (!engine) {
      const definition = readOriginalExecution({ ...this.engineDefinition, StartAt: state });
      engine = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
      this.resumeEngines.set(state, engine);
    }
    return engine;
  }

  /** This execution's task handlers: each reports its call and result to the history, and none runs once the execution is stopping. */
  private handlersFor(record: ExecutionRecord, history: HistoryBuilder): Record<string, TaskHandler> {
    const handlers: Record<string, TaskHandler> = {};
    for (const [state, handler] of Object.entries(this.handlers)) {
      // A bridged Fail state stays a Fail state in the history: no task events.
      if (this.states.get(state)?.type !== 'Task') {
        handlers[state] = handler;
        continue;
      }
      handlers[state] = async (input) => {
        await engineEventsDelivered();
        const attempt = history.taskCalled(state, input);
        if (!attempt) throw new ExecutionStoppedError(record.executionArn);
        let output: JsonValue;
        try {
          output = await handler(input);
        } catch (error) {
          history.taskFailed(attempt, error);
          throw error;
        }
        history.taskSucceeded(attempt, output);
        return output;
      };
    }
    return handlers;
  }

  private run(record: ExecutionRecord, input: JsonValue, redrive?: { engine: StateMachine; redriveCount: number }): void {
    const trace = this.options.trace;
    const history = new HistoryBuilder({
      roleArn: this.roleArn,
      region: this.region,
      input: record.input,
      states: this.states,
      ...(redrive ? { redrive: { previous: record.history, redriveCount: redrive.redriveCount } } : {}),
      ...(trace
        ? {
            onEvent: (event, note) => {
              const line = formatTraceLine(record.name, event, note);
              if (line !== undefined) trace(line);
            },
          }
        : {}),
    });
    record.history = history.events;
    const startTime = record.startDate.toISOString();
    const execution = (redrive?.engine ?? this.engine).run(input, {
      overrides: {
        taskResourceLocalHandlers: this.handlersFor(record, history),
        ...(this.retryOverrides ? { retryIntervalOverrides: this.retryOverrides } : {}),
      },
      context: {
        Execution: {
          Id: record.executionArn,
          Name: record.name,
          RoleArn: this.roleArn,
          StartTime: startTime,
          RedriveCount: redrive?.redriveCount ?? 0,
          ...(redrive ? { [CONTEXT_INPUT]: JSON.parse(record.input) as JsonValue, [CONTEXT_START_TIME]: startTime } : {}),
        },
        StateMachine: { Id: this.stateMachineArn, Name: this.name },
        State: stateContext(),
      },
    });
    const consume = (async () => {
      for await (const event of execution.eventLogs) history.addEngineEvent(event as unknown as EngineEvent);
    })();
    const done = (async () => {
      const [result] = await Promise.allSettled([execution.result, consume]);
      const stopDate = this.running.get(record.name)?.stopDate;
      // The history's closing event is the outcome; the engine's result only when the history has none.
      const outcome = history.outcome();
      if (outcome?.status === 'SUCCEEDED') this.registry.finish(record.name, outcome);
      else if (outcome) this.registry.finish(record.name, { ...outcome, ...(outcome.status === 'ABORTED' && stopDate ? { stopDate } : {}) });
      else if (result.status === 'fulfilled') this.registry.finish(record.name, { status: 'SUCCEEDED', output: JSON.stringify(result.value ?? null) });
      else {
        const error = result.reason as Error;
        if (error instanceof ExecutionAbortedError) this.registry.finish(record.name, { status: 'ABORTED', ...(stopDate ? { stopDate } : {}) });
        else if (error instanceof ExecutionTimeoutError) this.registry.finish(record.name, { status: 'TIMED_OUT', error: 'States.Timeout' });
        else {
          const cause = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
          this.registry.finish(record.name, { status: 'FAILED', error: cause.name || 'Error', ...(cause.message ? { cause: cause.message } : {}) });
        }
      }
      this.running.delete(record.name);
    })();
    this.running.set(record.name, { abort: execution.abort, done, history });
  }
}
