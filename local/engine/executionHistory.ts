// An execution's history in Step Functions' GetExecutionHistory format, the one format the local stack keeps: built
// from aws-local-stepfunctions' events (states and the execution) and from the calls to the task handlers (the
// Task* events, which the engine does not report). Also the one-line trace `npm start` prints per event. Pure.
//
// Event types, detail members and the previousEventId chain follow what AWS records (LocalStack's AWS-validated
// snapshots; tests/local/executionHistory.test.ts and tests/workflow/history.test.ts name them).
import { walkStates, type Definition } from './definition.ts';

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  /** ISO-8601 with milliseconds (the wire has epoch seconds). */
  timestamp: string;
  type: string;
  /** Exactly one `<type in camelCase>EventDetails` member, where AWS has one (`stateEnteredEventDetails` for every `*StateEntered`). */
  [details: string]: unknown;
}

/** How a Task is named in its events, plus what its TaskScheduled event reports. */
export interface TaskInfo {
  /** `lambda`, `apigateway`, `dynamodb`, `aws-sdk:dynamodb`, `sns`, ... */
  resourceType: string;
  /** `invoke`, `updateItem`, `sendMessage.waitForTaskToken`, ... */
  resource: string;
  /** Set for a Task whose Resource is a function ARN: AWS reports it with LambdaFunction* events. */
  functionArn?: string;
  timeoutInSeconds?: number;
  heartbeatInSeconds?: number;
}

export interface StateInfo {
  /** The declared type: a Fail state the local runtime runs as a Task shim is still `Fail`. */
  type: string;
  task?: TaskInfo;
  /** For a Fail state: whether it declares an Error (ErrorPath) and a Cause (CausePath); ExecutionFailed leaves out the others. */
  fail?: { error: boolean; cause: boolean };
}

/**
 * `arn:aws:states:::lambda:invoke` -> lambda / invoke, `arn:aws:states:::aws-sdk:dynamodb:putItem` ->
 * aws-sdk:dynamodb / putItem, `arn:aws:states:::sqs:sendMessage.waitForTaskToken` -> sqs / sendMessage.waitForTaskToken,
 * a function ARN -> LambdaFunction events. Undefined for anything else.
 */
export function taskInfoOf(resourceArn: unknown): TaskInfo | undefined {
  if (typeof resourceArn !== 'string') return undefined;
  if (/^arn:[^:]+:lambda:[^:]*:[^:]*:function:/.test(resourceArn)) return { resourceType: 'lambda', resource: 'function', functionArn: resourceArn };
  const match = /^arn:[^:]+:states:::(aws-sdk:)?([^:]+):(.+)$/.exec(resourceArn);
  if (!match) return undefined;
  return { resourceType: `${match[1] ?? ''}${match[2]!}`, resource: match[3]! };
}

/** What the history needs to know about every state of the definition as declared (before any engine bridging). */
export function stateInfos(definition: Definition): Map<string, StateInfo> {
  const infos = new Map<string, StateInfo>();
  walkStates(definition, (name, state) => {
    const info: StateInfo = { type: state.Type };
    if (state.Type === 'Task') {
      const task = taskInfoOf(state.Resource);
      if (task) {
        if (typeof state.TimeoutSeconds === 'number') task.timeoutInSeconds = state.TimeoutSeconds;
        if (typeof state.HeartbeatSeconds === 'number') task.heartbeatInSeconds = state.HeartbeatSeconds;
        info.task = task;
      }
    }
    if (state.Type === 'Fail') {
      info.fail = { error: state.Error !== undefined || state.ErrorPath !== undefined, cause: state.Cause !== undefined || state.CausePath !== undefined };
    }
    infos.set(name, info);
  });
  return infos;
}

/** The engine's event, loosely typed: only the fields read here. */
export interface EngineEvent {
  type: string;
  timestamp: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string; type: string };
  index?: number;
  retry?: { retrier?: unknown; attempt: number };
  catch?: { catcher?: { Next?: string } };
}

/** What a trace line shows besides the event itself; computed while the history is built. */
export interface TraceNote {
  /** The state the event belongs to (task events name none of their own). */
  state?: string;
  /** Since the state was entered (exited), the attempt started (failed, timed out) or the execution started (its end). */
  durationMs?: number;
  /** On a retry's TaskScheduled: 1 for the first retry. */
  retry?: number;
  /** The error a retry or a catch handled. */
  error?: string;
  /** Where a Catch sent the execution (on the state's exit). */
  next?: string;
}

/** How the execution ended, read off its closing event. */
export type ExecutionOutcome =
  | { status: 'SUCCEEDED'; output: string }
  | { status: 'FAILED' | 'ABORTED' | 'TIMED_OUT'; error?: string; cause?: string };

/** One call of a task handler, from TaskScheduled to its TaskSucceeded/TaskFailed (or the engine's timeout). */
export interface TaskAttempt {
  readonly state: string;
  readonly startedAt: number;
  closed: boolean;
}

export interface HistoryBuilderOptions {
  roleArn: string;
  region: string;
  /** The input as StartExecution got it (JSON text). */
  input: string;
  states: ReadonlyMap<string, StateInfo>;
  /** Called with each event as it is added. */
  onEvent?: (event: HistoryEvent, note: TraceNote) => void;
  /**
   * A redrive: the history so far, which the new events continue, and the execution's redrive count. The engine's
   * ExecutionStarted becomes ExecutionRedriven (executionRedrivenEventDetails: {redriveCount}).
   */
  redrive?: { previous: readonly HistoryEvent[]; redriveCount: number };
}

interface StateVisit {
  name: string;
  enteredAt: number;
  attempts: number;
  current?: TaskAttempt;
  lastError?: string;
  next?: string;
}

const NOT_TRUNCATED = { truncated: false } as const;
const CLOSING = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

function json(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

/** A thrown value as Error/Cause, the way the engine reads it (`name`; `cause` if any, else `message`). */
export function errorOf(thrown: unknown): { error: string; cause?: string } {
  if (thrown instanceof Error) {
    const cause = causeText((thrown as Error & { cause?: unknown }).cause ?? thrown.message);
    return { error: thrown.name || 'Error', ...(cause !== undefined ? { cause } : {}) };
  }
  return { error: 'Error', cause: String(thrown) };
}

/** The details member of an event: `TaskStateEntered` -> `stateEnteredEventDetails`, `TaskScheduled` -> `taskScheduledEventDetails`. */
export function detailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

/** The details object of an event (undefined for the few types AWS gives none, e.g. LambdaFunctionStarted). */
export function detailsOf(event: HistoryEvent): Record<string, unknown> | undefined {
  return event[detailsKey(event.type)] as Record<string, unknown> | undefined;
}

/**
 * Builds one execution's history. Engine events come in through `addEngineEvent` in the engine's order; task
 * handlers report their calls through `taskCalled`/`taskSucceeded`/`taskFailed`. The caller makes sure a handler
 * reports only once every engine event before its call has been added (see LocalStepFunctions), so appending in
 * arrival order is the true order.
 */
export class HistoryBuilder {
  readonly events: HistoryEvent[];
  private readonly visits = new Map<string, StateVisit>();
  private lastEntered?: string;
  private startedAt?: number;
  private stopRequest?: { error?: string; cause?: string };
  private closed = false;

  constructor(private readonly options: HistoryBuilderOptions) {
    this.events = [...(options.redrive?.previous ?? [])];
  }

  /** True once a stop was asked for or the execution ended: no task may start any more. */
  get stopped(): boolean {
    return this.closed || this.stopRequest !== undefined;
  }

  /** StopExecution: the Error/Cause its ExecutionAborted event carries. Task results from now on are dropped. */
  requestStop(request: { error?: string; cause?: string } = {}): void {
    this.stopRequest ??= {
      ...(request.error !== undefined ? { error: request.error } : {}),
      ...(request.cause !== undefined ? { cause: request.cause } : {}),
    };
  }

  outcome(): ExecutionOutcome | undefined {
    const last = this.events.at(-1);
    if (!last || !CLOSING.has(last.type)) return undefined;
    const details = (detailsOf(last) ?? {}) as { output?: string; error?: string; cause?: string };
    if (last.type === 'ExecutionSucceeded') return { status: 'SUCCEEDED', output: details.output ?? 'null' };
    const status = last.type === 'ExecutionFailed' ? 'FAILED' : last.type === 'ExecutionAborted' ? 'ABORTED' : 'TIMED_OUT';
    return {
      status,
      ...(details.error !== undefined ? { error: details.error } : {}),
      ...(details.cause !== undefined ? { cause: details.cause } : {}),
    };
  }

  addEngineEvent(event: EngineEvent): void {
    if (this.closed) return;
    const at = event.timestamp;
    if (event.state) {
      this.stateEvent(event, event.state, at);
      return;
    }
    switch (event.type) {
      case 'ExecutionStarted':
        this.startedAt = at;
        // A redrive continues the chain: ExecutionRedriven points at the event that closed the last attempt, and
        // the resumed state's entry at ExecutionRedriven (push's default chaining).
        if (this.options.redrive) this.push('ExecutionRedriven', { redriveCount: this.options.redrive.redriveCount }, at);
        else this.push('ExecutionStarted', { input: this.options.input, inputDetails: NOT_TRUNCATED, roleArn: this.options.roleArn }, at);
        return;
      case 'ExecutionSucceeded':
        this.push('ExecutionSucceeded', { output: json(event.output), outputDetails: NOT_TRUNCATED }, at, this.sinceStart(at));
        return;
      case 'ExecutionFailed': {
        const cause = causeText(event.Cause);
        const fail = this.lastEntered ? this.options.states.get(this.lastEntered)?.fail : undefined;
        const details = {
          ...(event.Error !== undefined && (fail?.error ?? true) ? { error: event.Error } : {}),
          ...(cause !== undefined && (fail?.cause ?? true) ? { cause } : {}),
        };
        this.push('ExecutionFailed', details, at, this.sinceStart(at));
        return;
      }
      case 'ExecutionAborted':
        this.push('ExecutionAborted', { ...this.stopRequest }, at, this.sinceStart(at), 0);
        return;
      case 'ExecutionTimeout':
        this.push('ExecutionTimedOut', { error: 'States.Timeout' }, at, this.sinceStart(at), 0);
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed':
        this.push(event.type, { name: event.parentState?.name, index: event.index }, at, { state: event.parentState?.name ?? '' });
        return;
      default:
        // Parallel branch events: AWS records none per branch.
        return;
    }
  }

  /** A task handler was called with `parameters`: TaskScheduled and TaskStarted. Undefined once the execution is stopping. */
  taskCalled(state: string, parameters: unknown, at = Date.now()): TaskAttempt | undefined {
    if (this.stopped) return undefined;
    const task = this.taskInfo(state);
    const visit = this.visits.get(state) ?? this.visit(state, at);
    visit.attempts += 1;
    const attempt: TaskAttempt = { state, startedAt: at, closed: false };
    visit.current = attempt;
    const retry = visit.attempts > 1 ? { retry: visit.attempts - 1, ...(visit.lastError ? { error: visit.lastError } : {}) } : {};
    const limits = {
      ...(task.timeoutInSeconds !== undefined ? { timeoutInSeconds: task.timeoutInSeconds } : {}),
      ...(task.heartbeatInSeconds !== undefined ? { heartbeatInSeconds: task.heartbeatInSeconds } : {}),
    };
    if (task.functionArn) {
      this.push('LambdaFunctionScheduled', { resource: task.functionArn, input: json(parameters), inputDetails: NOT_TRUNCATED, ...limits }, at, { state, ...retry });
      this.push('LambdaFunctionStarted', undefined, at, { state });
    } else {
      const resource = { resourceType: task.resourceType, resource: task.resource };
      this.push('TaskScheduled', { ...resource, region: this.options.region, parameters: json(parameters), ...limits }, at, { state, ...retry });
      this.push('TaskStarted', resource, at, { state });
    }
    return attempt;
  }

  taskSucceeded(attempt: TaskAttempt, output: unknown, at = Date.now()): void {
    if (!this.closeAttempt(attempt)) return;
    const task = this.taskInfo(attempt.state);
    const details = { output: json(output), outputDetails: NOT_TRUNCATED };
    const note = { state: attempt.state, durationMs: at - attempt.startedAt };
    if (task.functionArn) this.push('LambdaFunctionSucceeded', details, at, note);
    else this.push('TaskSucceeded', { resourceType: task.resourceType, resource: task.resource, ...details }, at, note);
  }

  taskFailed(attempt: TaskAttempt, thrown: unknown, at = Date.now()): void {
    if (!this.closeAttempt(attempt)) return;
    const task = this.taskInfo(attempt.state);
    const failure = errorOf(thrown);
    const note = { state: attempt.state, durationMs: at - attempt.startedAt, error: failure.error };
    if (task.functionArn) this.push('LambdaFunctionFailed', failure, at, note);
    else this.push('TaskFailed', { resourceType: task.resourceType, resource: task.resource, ...failure }, at, note);
  }

  private closeAttempt(attempt: TaskAttempt): boolean {
    if (attempt.closed || this.stopped) return false;
    attempt.closed = true;
    return true;
  }

  private taskInfo(state: string): TaskInfo {
    return this.options.states.get(state)?.task ?? { resourceType: 'unknown', resource: 'unknown' };
  }

  private visit(name: string, at: number): StateVisit {
    const visit: StateVisit = { name, enteredAt: at, attempts: 0 };
    this.visits.set(name, visit);
    return visit;
  }

  private stateEvent(event: EngineEvent, state: NonNullable<EngineEvent['state']>, at: number): void {
    const name = state.name;
    const type = this.options.states.get(name)?.type ?? state.type;
    switch (event.type) {
      case 'StateEntered':
        this.visit(name, at);
        this.lastEntered = name;
        this.push(`${type}StateEntered`, { name, input: json(state.input), inputDetails: NOT_TRUNCATED }, at, { state: name });
        return;
      case 'StateFailed': {
        const visit = this.visits.get(name) ?? this.visit(name, at);
        visit.lastError = event.Error;
        // The engine gave up on a task that is still running: AWS records TaskTimedOut (and drops what comes after).
        const attempt = visit.current;
        if (attempt && !attempt.closed && event.Error === 'States.Timeout') {
          attempt.closed = true;
          const task = this.taskInfo(name);
          const type = task.functionArn ? 'LambdaFunctionTimedOut' : 'TaskTimedOut';
          const resource = task.functionArn ? {} : { resourceType: task.resourceType, resource: task.resource };
          this.push(type, { ...resource, error: 'States.Timeout' }, at, { state: name, durationMs: at - attempt.startedAt, error: 'States.Timeout' });
        }
        return;
      }
      case 'StateCaught': {
        const visit = this.visits.get(name);
        if (visit && event.catch?.catcher?.Next) visit.next = event.catch.catcher.Next;
        return;
      }
      case 'StateExited': {
        const visit = this.visits.get(name);
        const caught = visit?.next ? { error: visit.lastError ?? 'Error', next: visit.next } : {};
        const duration = visit ? { durationMs: at - visit.enteredAt } : {};
        this.push(`${type}StateExited`, { name, output: json(state.output), outputDetails: NOT_TRUNCATED }, at, { state: name, ...duration, ...caught });
        return;
      }
      default:
        // StateRetried: AWS records nothing; the retry shows as the next TaskScheduled.
        return;
    }
  }

  private sinceStart(at: number): TraceNote {
    return this.startedAt === undefined ? {} : { durationMs: at - this.startedAt };
  }

  private push(type: string, details: Record<string, unknown> | undefined, at: number, note: TraceNote = {}, previousEventId?: number): void {
    const id = this.events.length + 1;
    const previous = this.events.at(-1);
    // AWS: ExecutionStarted and the first state's entry point at 0, as do ExecutionAborted and ExecutionTimedOut;
    // every other event points at the one before it.
    const chained = previousEventId ?? (previous === undefined || previous.type === 'ExecutionStarted' ? 0 : previous.id);
    const event: HistoryEvent = { id, previousEventId: chained, timestamp: new Date(at).toISOString(), type };
    if (details !== undefined) event[detailsKey(type)] = details;
    this.events.push(event);
    if (CLOSING.has(type)) this.closed = true;
    this.options.onEvent?.(event, note);
  }
}

// --- the trace ---------------------------------------------------------------------------------

const EXECUTION_VERBS: Record<string, string> = {
  ExecutionStarted: 'started',
  ExecutionRedriven: 'REDRIVEN',
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimedOut: 'TIMED_OUT',
};

/** Task events that add nothing to a trace line of their own (the state's exit shows the time). */
const QUIET = new Set(['TaskStarted', 'LambdaFunctionStarted', 'TaskSucceeded', 'LambdaFunctionSucceeded']);

function clock(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/**
 * One trace line for an event: time, execution (order id), state, what happened, and the error handled, the retry
 * attempt, where a Catch went and how long it took. Undefined for events that add nothing (TaskStarted,
 * TaskSucceeded, the first TaskScheduled of a state).
 */
export function formatTraceLine(executionName: string, event: HistoryEvent, note: TraceNote = {}): string | undefined {
  const details = detailsOf(event) ?? {};
  const parts: string[] = [];
  let subject = note.state ?? (typeof details.name === 'string' ? details.name : '(execution)');
  let verb: string;
  const type = event.type;
  if (type in EXECUTION_VERBS) {
    subject = '(execution)';
    verb = EXECUTION_VERBS[type]!;
    if (typeof details.error === 'string') parts.push(details.error);
    if (typeof details.redriveCount === 'number') parts.push(`redrive ${details.redriveCount}`);
  } else if (type.endsWith('StateEntered')) {
    verb = 'entered';
  } else if (type.endsWith('StateExited')) {
    verb = 'exited';
    if (note.next) parts.push(`caught ${note.error ?? 'an error'} -> ${note.next}`);
  } else if (type === 'TaskScheduled' || type === 'LambdaFunctionScheduled') {
    if (note.retry === undefined) return undefined;
    verb = 'retried';
    if (note.error) parts.push(note.error);
    parts.push(`attempt ${note.retry}`);
  } else if (QUIET.has(type)) {
    return undefined;
  } else if (type === 'TaskFailed' || type === 'LambdaFunctionFailed') {
    verb = 'failed';
    if (typeof details.error === 'string') parts.push(details.error);
  } else if (type === 'TaskTimedOut' || type === 'LambdaFunctionTimedOut') {
    verb = 'timed out';
    parts.push(String(details.error ?? 'States.Timeout'));
  } else if (type.startsWith('MapIteration')) {
    subject = `${subject}[${String(details.index)}]`;
    verb = `iteration ${type.slice('MapIteration'.length).toLowerCase()}`;
  } else {
    verb = type;
  }
  if (note.durationMs !== undefined && !type.endsWith('StateEntered')) parts.push(`${note.durationMs} ms`);
  return `${clock(event.timestamp)}  ${executionName}  ${subject.padEnd(26)} ${verb.padEnd(9)} ${parts.join('  ')}`.trimEnd();
}
