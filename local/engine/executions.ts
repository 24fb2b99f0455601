// The executions of the local state machine, with Step Functions' rules for names: a name is used once;
// StartExecution with the name of a RUNNING execution and the same input returns that execution; anything
// else with a used name is ExecutionAlreadyExists.
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
  /** GetExecutionHistory's events, in AWS order (ids from 1). */
  history: HistoryEvent[];
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
    data.forEach((raw: ExecutionRecord & { startDate: string; stopDate?: string; history?: unknown }, index) => {
      if (typeof raw?.name !== 'string' || typeof raw.status !== 'string' || Number.isNaN(Date.parse(raw.startDate))) {
        throw new Error(`cannot read executions ${file}: entry ${index + 1} has no name, status or startDate`);
      }
      const record: ExecutionRecord = {
        ...raw,
        startDate: new Date(raw.startDate),
        ...(raw.stopDate ? { stopDate: new Date(raw.stopDate) } : {}),
        // Files written before the history took AWS's format hold other events: they cannot be converted (they
        // never had the task events), so such an execution keeps no history.
        history: Array.isArray(raw.history) && raw.history.every(isHistoryEvent) ? raw.history : [],
      };
      this.byName.set(record.name, record);
    });
  }

  save(): void {
    if (!this.file) return;
    const done = this.list().filter((record) => record.status !== 'RUNNING');
    writeFileSync(this.file, `${JSON.stringify(done, null, 2)}\n`);
  }
}
