// One execution, read off its GetExecutionHistory events: the states it went through (each with its attempts,
// retry waits, input, output and error), the transitions it took, how each state of the picture is lit, the
// order's path (confirmed, declined, ...) and the transition count. Pure (no node:, no DOM): the console's server
// uses it for the executions list, and the browser for the graph, the timeline and the step panel.
import type { HistoryEvent } from '../engine/executionHistory.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
export const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** How a state is lit: each has its own colour in the graph, the timeline and the legend. */
export type StepStatus = 'succeeded' | 'retried' | 'caught' | 'failed' | 'running' | 'stopped' | 'notReached';
export const STEP_STATUSES: readonly StepStatus[] = ['succeeded', 'retried', 'caught', 'failed', 'running', 'stopped', 'notReached'];
export const STEP_STATUS_LABELS: Record<StepStatus, string> = {
  succeeded: 'Succeeded',
  retried: 'Succeeded after retries',
  caught: 'Caught error',
  failed: 'Failed',
  running: 'In progress',
  stopped: 'Stopped',
  notReached: 'Not reached',
};

/** Where the order ended up, from the execution's status and output. */
export type OrderPath = 'confirmed' | 'declined' | 'outOfStock' | 'invalid' | 'failed' | 'stopped' | 'timedOut' | 'running' | 'unknown';
export const ORDER_PATHS: readonly OrderPath[] = ['confirmed', 'declined', 'outOfStock', 'invalid', 'failed', 'stopped', 'timedOut', 'running', 'unknown'];
export const ORDER_PATH_LABELS: Record<OrderPath, string> = {
  confirmed: 'confirmed',
  declined: 'declined',
  outOfStock: 'out of stock',
  invalid: 'invalid order',
  failed: 'failed',
  stopped: 'stopped',
  timedOut: 'timed out',
  running: 'running',
  unknown: 'unknown',
};

export interface AttemptView {
  /** 1 for the first call, 2 for the first retry, ... */
  number: number;
  /** Epoch ms of its TaskScheduled. */
  startedAt: number;
  endedAt?: number;
  outcome: 'succeeded' | 'failed' | 'timedOut' | 'running' | 'stopped';
  error?: string;
  cause?: string;
  /** The retry's backoff: from the previous attempt's failure to this attempt's TaskScheduled. */
  waitBeforeMs?: number;
}

export interface ResourceCall {
  /** `lambda`, `apigateway`, `dynamodb`, ... (LambdaFunction* events: `lambda`). */
  resourceType: string;
  /** `invoke`, `updateItem`, ... or the function ARN. */
  resource: string;
  region?: string;
  /** The parameters as JSON text, as TaskScheduled carries them. */
  parameters?: string;
}

export interface StepView {
  /** Position in the execution, from 0. */
  index: number;
  name: string;
  /** The state type, from its `<Type>StateEntered` event. */
  type: string;
  status: StepStatus;
  enteredAt: number;
  exitedAt?: number;
  /** Entered to exited, or to the execution's end / now while it has not exited. */
  durationMs: number;
  input?: string;
  output?: string;
  resource?: ResourceCall;
  attempts: AttemptView[];
  /** The last error this state met (the one a Catch handled, or the one that failed the execution). */
  error?: string;
  cause?: string;
  /** Ids of the history events that belong to this visit. */
  eventIds: number[];
}

export interface TransitionView {
  from: string;
  to: string;
  /** The state it left had its error caught: the Catch edge was taken. */
  viaCatch: boolean;
  /** A Catch was taken at or before this transition: the execution is on a handled-error (compensation) path. */
  afterCatch: boolean;
}

export interface ExecutionSummaryInput {
  status: ExecutionStatus;
  /** ISO 8601. */
  startDate: string;
  stopDate?: string;
  /** The execution's output (JSON text), when it succeeded. */
  output?: string;
}

export interface ExecutionView {
  steps: StepView[];
  transitions: TransitionView[];
  /** How each state that was entered is lit (its last visit); states not listed were not reached. */
  stateStatus: Record<string, StepStatus>;
  /**
   * State transitions as Step Functions bills them: one per state entered plus one per retry ("Step Functions counts
   * a state transition each time a step of your workflow is executed ... including retries", AWS Step Functions
   * pricing page).
   */
  transitionCount: number;
  startedAt: number;
  stoppedAt?: number;
  durationMs: number;
  path: OrderPath;
  /** The state in progress, while the execution runs. */
  currentState?: string;
}

/** The events that close an execution, and what they leave the state they interrupted. */
const CLOSING: Record<string, StepStatus> = {
  ExecutionSucceeded: 'succeeded',
  ExecutionFailed: 'failed',
  ExecutionAborted: 'stopped',
  ExecutionTimedOut: 'failed',
};

/** The details object of an event, whatever its type (`stateEnteredEventDetails`, `taskFailedEventDetails`, ...). */
export function eventDetails(event: HistoryEvent): Record<string, unknown> {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && value && typeof value === 'object') return value as Record<string, unknown>;
  }
  return {};
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The order's path: the execution's status, and for a succeeded one the order status and reason it returned. */
export function orderPathOf(status: ExecutionStatus, output: string | undefined): OrderPath {
  switch (status) {
    case 'RUNNING':
      return 'running';
    case 'ABORTED':
      return 'stopped';
    case 'TIMED_OUT':
      return 'timedOut';
    case 'FAILED':
      return 'failed';
    case 'SUCCEEDED':
      break;
  }
  let result: { status?: unknown; reason?: unknown } | undefined;
  try {
    result = JSON.parse(output ?? '') as typeof result;
  } catch {
    return 'unknown';
  }
  if (result?.status === 'CONFIRMED') return 'confirmed';
  if (result?.status === 'FAILED') return 'failed';
  if (result?.status === 'REJECTED') {
    if (result.reason === 'PAYMENT_DECLINED') return 'declined';
    if (result.reason === 'OUT_OF_STOCK') return 'outOfStock';
    if (result.reason === 'INVALID_ORDER') return 'invalid';
  }
  return 'unknown';
}

/** Builds the view of one execution; `now` stands in for the end of whatever is still running. */
export function buildExecutionView(execution: ExecutionSummaryInput, history: readonly HistoryEvent[], now: number = Date.now()): ExecutionView {
  const startedAt = Date.parse(execution.startDate);
  const steps: StepView[] = [];
  let open: StepView | undefined;
  let closing: HistoryEvent | undefined;
  const lastAttempt = () => open?.attempts.at(-1);
  /** Ends the state the execution stopped in: failed (its Fail state, or the error that failed the run) or stopped. */
  const interrupt = (status: StepStatus, event: HistoryEvent | undefined, at: number) => {
    if (!open) return;
    open.status = open.type === 'Fail' ? 'failed' : status;
    const details = event ? eventDetails(event) : {};
    if (open.status === 'failed' && open.error === undefined) {
      if (text(details.error) !== undefined) open.error = text(details.error)!;
      if (text(details.cause) !== undefined) open.cause = text(details.cause)!;
    }
    const attempt = lastAttempt();
    if (attempt?.outcome === 'running') {
      attempt.outcome = 'stopped';
      attempt.endedAt = at;
    }
    open.durationMs = Math.max(0, at - open.enteredAt);
    open = undefined;
  };

  for (const event of history) {
    const at = Date.parse(event.timestamp);
    const details = eventDetails(event);
    const type = event.type;
    if (type.endsWith('StateEntered')) {
      open = {
        index: steps.length,
        name: String(details.name),
        type: type.slice(0, -'StateEntered'.length),
        status: 'running',
        enteredAt: at,
        durationMs: 0,
        attempts: [],
        eventIds: [event.id],
        ...(text(details.input) !== undefined ? { input: text(details.input)! } : {}),
      };
      steps.push(open);
      continue;
    }
    if (type in CLOSING) {
      closing = event;
      if (open) open.eventIds.push(event.id);
      interrupt(CLOSING[type]!, event, at);
      continue;
    }
    if (type === 'ExecutionRedriven') {
      // RedriveExecution: the run goes on from the state it stopped in, which is entered again.
      closing = undefined;
      continue;
    }
    if (!open) continue;
    open.eventIds.push(event.id);
    switch (type) {
      case 'TaskScheduled':
      case 'LambdaFunctionScheduled': {
        const previous = lastAttempt();
        open.resource =
          type === 'TaskScheduled'
            ? {
                resourceType: String(details.resourceType),
                resource: String(details.resource),
                ...(text(details.region) !== undefined ? { region: text(details.region)! } : {}),
                ...(text(details.parameters) !== undefined ? { parameters: text(details.parameters)! } : {}),
              }
            : { resourceType: 'lambda', resource: String(details.resource), ...(text(details.input) !== undefined ? { parameters: text(details.input)! } : {}) };
        open.attempts.push({
          number: open.attempts.length + 1,
          startedAt: at,
          outcome: 'running',
          ...(previous?.endedAt !== undefined ? { waitBeforeMs: at - previous.endedAt } : {}),
        });
        break;
      }
      case 'TaskSucceeded':
      case 'LambdaFunctionSucceeded': {
        const attempt = lastAttempt();
        if (attempt) Object.assign(attempt, { outcome: 'succeeded', endedAt: at });
        break;
      }
      case 'TaskFailed':
      case 'LambdaFunctionFailed':
      case 'TaskTimedOut':
      case 'LambdaFunctionTimedOut': {
        const error = text(details.error);
        const cause = text(details.cause);
        const attempt = lastAttempt();
        if (attempt) {
          attempt.outcome = type.endsWith('TimedOut') ? 'timedOut' : 'failed';
          attempt.endedAt = at;
          if (error !== undefined) attempt.error = error;
          if (cause !== undefined) attempt.cause = cause;
        }
        if (error !== undefined) open.error = error;
        if (cause !== undefined) open.cause = cause;
        break;
      }
      default:
        if (type.endsWith('StateExited')) {
          open.exitedAt = at;
          const output = text(details.output);
          if (output !== undefined) open.output = output;
          const last = lastAttempt();
          open.status = last && last.outcome !== 'succeeded' ? 'caught' : open.attempts.length > 1 ? 'retried' : 'succeeded';
          open = undefined;
        }
    }
  }

  // A state still open when the history ends is running, unless the record says the execution stopped (a history
  // without its closing event).
  const stoppedAt = closing ? Date.parse(closing.timestamp) : execution.status !== 'RUNNING' && execution.stopDate ? Date.parse(execution.stopDate) : undefined;
  const end = stoppedAt ?? now;
  if (open && execution.status !== 'RUNNING') {
    const finalStatus: Record<ExecutionStatus, StepStatus> = { RUNNING: 'running', SUCCEEDED: 'succeeded', FAILED: 'failed', TIMED_OUT: 'failed', ABORTED: 'stopped' };
    interrupt(finalStatus[execution.status], undefined, end);
  }
  for (const step of steps) if (step.exitedAt !== undefined || step.status === 'running') step.durationMs = Math.max(0, (step.exitedAt ?? end) - step.enteredAt);

  const transitions: TransitionView[] = [];
  let afterCatch = false;
  for (let i = 1; i < steps.length; i++) {
    const from = steps[i - 1]!;
    const viaCatch = from.status === 'caught';
    afterCatch ||= viaCatch;
    transitions.push({ from: from.name, to: steps[i]!.name, viaCatch, afterCatch });
  }
  const stateStatus: Record<string, StepStatus> = {};
  for (const step of steps) stateStatus[step.name] = step.status;
  const retries = steps.reduce((sum, step) => sum + Math.max(0, step.attempts.length - 1), 0);
  const current = execution.status === 'RUNNING' ? steps.findLast((step) => step.status === 'running') : undefined;
  return {
    steps,
    transitions,
    stateStatus,
    transitionCount: steps.length + retries,
    startedAt,
    ...(stoppedAt !== undefined ? { stoppedAt } : {}),
    durationMs: Math.max(0, end - startedAt),
    path: orderPathOf(execution.status, execution.output),
    ...(current ? { currentState: current.name } : {}),
  };
}
