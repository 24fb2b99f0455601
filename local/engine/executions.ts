// The executions of the local state machine, with Step Functions' rules for names: a name is used once;
// StartExecution with the name of a RUNNING execution and the same input returns that execution; anything
// else with a used name is ExecutionAlreadyExists. And which executions RedriveExecution may restart.
import { readFileSync, writeFileSync } from 'node:fs';
import type { HistoryEvent } from './executionHistory.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** The input as given to StartExecution (a JSON string). */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
  /** GetExecutionHistory's events, in AWS order (ids from 1); a redrive appends to them. */
  history: HistoryEvent[];
  /** How many times RedriveExecution restarted it; absent means 0. */
  redriveCount?: number;
  /** When it was last redriven. */
  redriveDate?: Date;
}

/** Errors named as Step Functions names them on the wire (`__type`). */
export class StepFunctionsError extends Error {
  constructor(
    name: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = name;
  }
}

/** Execution names: 1-80 characters, none of whitespace, wildcards, brackets, control characters and friends. */
export function validateExecutionName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (name.length < 1 || name.length > 80 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u.test(name)) {
    throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** "Your workflow execution has not exceeded the redrivable period of 14 days ... from the day a state machine completes its execution" (API reference, RedriveExecution). */
export const REDRIVE_PERIOD_MS = 14 * DAY_MS;
/** "The workflow execution has not exceeded the maximum open time of one year" (same). */
export const MAX_OPEN_MS = 365 * DAY_MS;
/** "The execution event history count is less than 24,999" (same): room for ExecutionRedriven and one more event. */
export const MAX_REDRIVE_HISTORY_EVENTS = 24_999;

export type RedriveStatus = { redrivable: true } | { redrivable: false; reason: string };

/**
 * Whether RedriveExecution may restart this execution now, and if not, why: the reasons are DescribeExecution's
 * `redriveStatusReason` texts (API reference, DescribeExecution), which RedriveExecution's ExecutionNotRedrivable
 * carries too.
 */
export function redriveStatus(record: ExecutionRecord, now = new Date()): RedriveStatus {
  const no = (reason: string): RedriveStatus => ({ redrivable: false, reason });
  if (record.status === 'RUNNING' || record.status === 'SUCCEEDED') return no(`Execution is ${record.status} and cannot be redriven`);
  // A file written before the history was kept: nothing says where the execution stopped.
  if (record.history.length === 0) return no('Execution was started before the launch of RedriveExecution');
  if (record.history.length >= MAX_REDRIVE_HISTORY_EVENTS) return no('Execution history event limit exceeded');
  if (now.getTime() - record.startDate.getTime() > MAX_OPEN_MS) return no('Execution has exceeded the max execution time');
  if (record.stopDate && now.getTime() - record.stopDate.getTime() > REDRIVE_PERIOD_MS) return no('Execution redrivable period exceeded');
  return { redrivable: true };
}

/**
 * Executions that stopped before they finished (ABORTED, e.g. by the last shutdown, or TIMED_OUT) and can be
 * redriven now, most recently stopped first: what `npm start` lists at start.
 */
export function interruptedExecutions(registry: ExecutionRegistry, now = new Date()): ExecutionRecord[] {
  return registry
    .list()
    .filter((record) => (record.status === 'ABORTED' || record.status === 'TIMED_OUT') && redriveStatus(record, now).redrivable)
    .sort((a, b) => (b.stopDate?.getTime() ?? 0) - (a.stopDate?.getTime() ?? 0));
}

/**
 * What `npm start` says about them at start: how many, and the `npm run redrive -- <orderId>` command for each (at
 * most `max`). `redriveArgs` is added to each command (the stack's endpoint when it is not the default). None: no lines.
 */
export function interruptedExecutionsNotice(registry: ExecutionRegistry, redriveArgs = '', max = 10, now = new Date()): string[] {
  const interrupted = interruptedExecutions(registry, now);
  if (interrupted.length === 0) return [];
  const count = interrupted.length === 1 ? '1 execution' : `${interrupted.length} executions`;
  return [
    `${count} stopped before finishing (ABORTED: running when the stack stopped, or stopped by hand; or TIMED_OUT).`,
    'Redrive resumes each where it stopped (the steps that succeeded are not run again):',
    ...interrupted.slice(0, max).map((record) => `  npm run redrive -- ${record.name}${redriveArgs}    # ${record.status} at ${record.stopDate?.toISOString() ?? '?'}`),
    ...(interrupted.length > max ? [`  ... and ${interrupted.length - max} more (ListExecutions with statusFilter ABORTED or TIMED_OUT lists them)`] : []),
    '',
  ];
}

/** The cause the ExecutionAborted event of an execution found RUNNING in the file (the stack that ran it never stopped it) carries. */
export const ABORTED_UNRECORDED_CAUSE = 'The local stack that ran this execution ended without stopping it';

function isHistoryEvent(value: unknown): value is HistoryEvent {
  const event = value as Partial<HistoryEvent> | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.id === 'number' &&
    typeof event.previousEventId === 'number' &&
    typeof event.timestamp === 'string' &&
    typeof event.type === 'string'
  );
}

export class ExecutionRegistry {
  private readonly byName = new Map<string, ExecutionRecord>();
  private readonly waiters = new Map<string, Array<(record: ExecutionRecord) => void>>();

  constructor(
    readonly stateMachineArn: string,
    private readonly file?: string,
  ) {
    if (file) this.load(file);
  }

  executionArn(name: string): string {
    return `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  }

  get(name: string): ExecutionRecord | undefined {
    return this.byName.get(name);
  }

  getByArn(arn: string): ExecutionRecord | undefined {
    const prefix = `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:`;
    return arn.startsWith(prefix) ? this.byName.get(arn.slice(prefix.length)) : undefined;
  }

  list(): ExecutionRecord[] {
    return [...this.byName.values()];
  }

  /**
   * Registers a new execution, or returns the RUNNING one with this name and the same input (`isNew: false`).
   * Throws ExecutionAlreadyExists otherwise.
   */
  begin(name: string, input: string): { record: ExecutionRecord; isNew: boolean } {
    validateExecutionName(name);
    const existing = this.byName.get(name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return { record: existing, isNew: false };
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn: this.executionArn(name),
      stateMachineArn: this.stateMachineArn,
      name,
      status: 'RUNNING',
      input,
      startDate: new Date(),
      history: [],
    };
    this.byName.set(name, record);
    return { record, isNew: true };
  }

  /** Closes a RUNNING execution; `stopDate` defaults to now (StopExecution passes the date it answered with). */
  finish(
    name: string,
    outcome: { status: Exclude<ExecutionStatus, 'RUNNING'>; output?: string; error?: string; cause?: string; stopDate?: Date },
  ): void {
    const record = this.byName.get(name);
    if (!record || record.status !== 'RUNNING') return;
    record.status = outcome.status;
    if (outcome.output !== undefined) record.output = outcome.output;
    if (outcome.error !== undefined) record.error = outcome.error;
    if (outcome.cause !== undefined) record.cause = outcome.cause;
    record.stopDate = outcome.stopDate ?? new Date();
    this.save();
    for (const resolve of this.waiters.get(name) ?? []) resolve(record);
    this.waiters.delete(name);
  }

  /**
   * RedriveExecution's bookkeeping: the stopped execution is RUNNING again (same ARN, same start date), without the
   * stop date, output, error and cause of the attempt that stopped; `redriveCount` goes up. The caller checks
   * redriveStatus first.
   */
  redrive(name: string, at = new Date()): ExecutionRecord {
    const record = this.byName.get(name);
    if (!record || record.status === 'RUNNING') throw new Error(`execution ${name} is not stopped`);
    record.status = 'RUNNING';
    delete record.stopDate;
    delete record.output;
    delete record.error;
    delete record.cause;
    record.redriveCount = (record.redriveCount ?? 0) + 1;
    record.redriveDate = at;
    this.save();
    return record;
  }

  /** Resolves when the execution has stopped (at once if it already has). */
  waitFor(name: string, timeoutMs = 120_000): Promise<ExecutionRecord> {
    const record = this.byName.get(name);
    if (!record) return Promise.reject(new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${this.executionArn(name)}'`));
    if (record.status !== 'RUNNING') return Promise.resolve(record);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`execution ${name} still RUNNING after ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
      const list = this.waiters.get(name) ?? [];
      list.push((done) => {
        clearTimeout(timer);
        resolve(done);
      });
      this.waiters.set(name, list);
    });
  }

  private load(file: string): void {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`cannot read executions ${file}: ${(error as Error).message}`);
    }
    if (!Array.isArray(data)) throw new Error(`cannot read executions ${file}: not a list of executions`);
    data.forEach((raw: ExecutionRecord & { startDate: string; stopDate?: string; redriveDate?: string; history?: unknown }, index) => {
      if (typeof raw?.name !== 'string' || typeof raw.status !== 'string' || Number.isNaN(Date.parse(raw.startDate))) {
        throw new Error(`cannot read executions ${file}: entry ${index + 1} has no name, status or startDate`);
      }
      const record: ExecutionRecord = {
        ...raw,
        startDate: new Date(raw.startDate),
        ...(raw.stopDate ? { stopDate: new Date(raw.stopDate) } : {}),
        ...(raw.redriveDate ? { redriveDate: new Date(raw.redriveDate) } : {}),
        // Files written before the history took AWS's format hold other events: they cannot be converted (they
        // never had the task events), so such an execution keeps no history.
        history: Array.isArray(raw.history) && raw.history.every(isHistoryEvent) ? raw.history : [],
      };
      if (record.status === 'RUNNING') abortUnrecorded(record);
      this.byName.set(record.name, record);
    });
  }

  /** Writes every execution, running ones with their history so far (a stack that dies mid-run leaves them ABORTED, see load). */
  save(): void {
    if (!this.file) return;
    writeFileSync(this.file, `${JSON.stringify(this.list(), null, 2)}\n`);
  }
}

/**
 * An execution still RUNNING in the file was not stopped by the stack that ran it (killed, or it crashed): it is not
 * running any more, so it becomes ABORTED, its history closed by an ExecutionAborted event - and it can be redriven.
 */
function abortUnrecorded(record: ExecutionRecord): void {
  const last = record.history.at(-1);
  const stopDate = last ? new Date(last.timestamp) : record.startDate;
  record.status = 'ABORTED';
  record.stopDate = stopDate;
  record.cause = ABORTED_UNRECORDED_CAUSE;
  if (last) {
    // ExecutionAborted points at 0, as the one StopExecution writes (see executionHistory.ts).
    record.history.push({
      id: last.id + 1,
      previousEventId: 0,
      timestamp: stopDate.toISOString(),
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { cause: ABORTED_UNRECORDED_CAUSE },
    });
  }
}
