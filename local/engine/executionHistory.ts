// Turns aws-local-stepfunctions events into an execution history ({type, state, at, input?, output?, error?})
// and into the one-line trace printed while executions run. Pure.

export interface HistoryError {
  error: string;
  cause?: unknown;
}

export interface HistoryEvent {
  type: string;
  state?: string;
  stateType?: string;
  at: string;
  input?: unknown;
  output?: unknown;
  error?: HistoryError;
  /** Milliseconds since the state (or this retry attempt) started: on exited and failed events. */
  durationMs?: number;
  /** Retry number (1 = first retry): on retried events. */
  attempt?: number;
  /** The state a catcher sent the execution to: on caught events. */
  next?: string;
  /** Map iteration index. */
  index?: number;
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

function causeOf(cause: unknown): unknown {
  if (cause instanceof Error) return cause.message;
  return cause;
}

/**
 * Keeps per-execution bookkeeping (when each state started, its last error) so each event can carry a
 * duration and caught/retried events can name the error they handled.
 */
export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  private readonly started = new Map<string, number>();
  private readonly lastError = new Map<string, HistoryError>();

  /** `stateTypes` restores the declared type of states the local runtime had to rewrite (Fail shims). */
  constructor(private readonly stateTypes: ReadonlyMap<string, string> = new Map()) {}

  add(event: EngineEvent): HistoryEvent {
    const mapped = this.map(event);
    this.events.push(mapped);
    return mapped;
  }

  private map(event: EngineEvent): HistoryEvent {
    const at = new Date(event.timestamp).toISOString();
    if (event.state) {
      const name = event.state.name;
      const key = event.index === undefined ? name : `${name}#${event.index}`;
      const base: HistoryEvent = {
        type: event.type,
        state: name,
        stateType: this.stateTypes.get(name) ?? event.state.type,
        at,
        ...(event.index !== undefined ? { index: event.index } : {}),
      };
      const duration = () => {
        const start = this.started.get(key);
        return start === undefined ? {} : { durationMs: event.timestamp - start };
      };
      switch (event.type) {
        case 'StateEntered':
          this.started.set(key, event.timestamp);
          this.lastError.delete(key);
          return { ...base, input: event.state.input };
        case 'StateExited':
          return { ...base, output: event.state.output, ...duration() };
        case 'StateFailed': {
          const error = { error: event.Error ?? 'Unknown', cause: causeOf(event.Cause) };
          this.lastError.set(key, error);
          return { ...base, error, ...duration() };
        }
        case 'StateRetried': {
          this.started.set(key, event.timestamp);
          const error = this.lastError.get(key);
          return { ...base, attempt: event.retry?.attempt ?? 0, ...(error ? { error } : {}) };
        }
        case 'StateCaught': {
          const error = this.lastError.get(key);
          const next = event.catch?.catcher?.Next;
          return { ...base, ...(error ? { error } : {}), ...(next ? { next } : {}) };
        }
        default:
          return base;
      }
    }
    if (event.parentState) {
      return {
        type: event.type,
        state: event.parentState.name,
        stateType: event.parentState.type,
        at,
        ...(event.index !== undefined ? { index: event.index } : {}),
        ...(event.Error !== undefined ? { error: { error: event.Error, cause: causeOf(event.Cause) } } : {}),
      };
    }
    switch (event.type) {
      case 'ExecutionStarted':
        this.started.set('', event.timestamp);
        return { type: event.type, at, input: event.input };
      case 'ExecutionSucceeded':
        return { type: event.type, at, output: event.output, ...this.executionDuration(event) };
      case 'ExecutionFailed':
        return {
          type: event.type,
          at,
          error: { error: event.Error ?? 'Unknown', cause: causeOf(event.Cause) },
          ...this.executionDuration(event),
        };
      default:
        return { type: event.type, at, ...this.executionDuration(event) };
    }
  }

  private executionDuration(event: EngineEvent): { durationMs?: number } {
    const start = this.started.get('');
    return start === undefined ? {} : { durationMs: event.timestamp - start };
  }
}

const VERBS: Record<string, string> = {
  StateEntered: 'entered',
  StateExited: 'exited',
  StateFailed: 'failed',
  StateRetried: 'retried',
  StateCaught: 'caught',
  ExecutionStarted: 'started',
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionAborted: 'ABORTED',
  ExecutionTimeout: 'TIMED_OUT',
  MapIterationStarted: 'iteration started',
  MapIterationSucceeded: 'iteration succeeded',
  MapIterationFailed: 'iteration failed',
  ParallelBranchStarted: 'branch started',
  ParallelBranchSucceeded: 'branch succeeded',
  ParallelBranchFailed: 'branch failed',
};

function clock(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** One trace line: time, execution (order id), state, event, duration or what was handled. */
export function formatTraceLine(executionName: string, event: HistoryEvent): string {
  const state = event.state ? `${event.state}${event.index !== undefined ? `[${event.index}]` : ''}` : '(execution)';
  const verb = VERBS[event.type] ?? event.type;
  const details: string[] = [];
  if (event.error) details.push(event.error.error);
  if (event.attempt !== undefined) details.push(`attempt ${event.attempt}`);
  if (event.next) details.push(`-> ${event.next}`);
  if (event.durationMs !== undefined) details.push(`${event.durationMs} ms`);
  return `${clock(event.at)}  ${executionName}  ${state.padEnd(26)} ${verb.padEnd(9)} ${details.join('  ')}`.trimEnd();
}
