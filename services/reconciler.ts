// The reconciler: what nothing else would finish. It redrives the executions of the state machine that stopped
// before their order was settled, up to a cap each, alarms for those it will not redrive, and reports the orders
// left unfinished with no execution running. It decides here; the ports (adapters/StepFunctionsExecutions.ts,
// adapters/UnfinishedOrders.ts, adapters/OperationsAlarm.ts) talk to Step Functions, DynamoDB and SNS.
//
// Redrive (RedriveExecution; Step Functions developer guide, "Restarting state machine executions with redrive")
// resumes a FAILED, ABORTED or TIMED_OUT Standard execution at the state that stopped it, within 14 days of the
// stop; the states that succeeded are not run again. Every task of the workflow is idempotent, so a redrive is safe.

/** The statuses RedriveExecution accepts. */
export const REDRIVABLE_STATUSES = ['FAILED', 'ABORTED', 'TIMED_OUT'] as const;
export type StoppedStatus = (typeof REDRIVABLE_STATUSES)[number];

/** Redrive is refused 14 days after the execution stopped. */
export const REDRIVE_PERIOD_MS = 14 * 24 * 3600 * 1000;

/**
 * The compensation steps of workflows/order-pipeline.asl.yml. One that still fails after its retries ends the
 * execution FAILED in that state, with compensation pending: redriving it, once the dependency is back, finishes
 * the compensation.
 */
export const COMPENSATION_STATES: ReadonlySet<string> = new Set([
  'ReleaseStock',
  'VoidPayment',
  'MarkFailed',
  'NotifyFailure',
  'RecordConfirmationFailure',
  'RecordRejectionFailure',
]);

/** The Fail state a completed compensation ends in: the order is FAILED and settled; nothing to redrive. */
export const COMPENSATED_END_STATE = 'OrderFailed';

/** One execution as ListExecutions lists it. */
export interface StoppedExecution {
  executionArn: string;
  /** The execution name: the orderId. */
  name: string;
  status: StoppedStatus;
  stopDate: Date;
}

/** What DescribeExecution says about redriving it. */
export interface RedriveState {
  status: string;
  redriveCount: number;
  /** REDRIVABLE or NOT_REDRIVABLE, with the reason when not. */
  redriveStatus?: string;
  redriveStatusReason?: string;
}

export interface ExecutionsPort {
  /** This state machine's executions in one status, every page. */
  listStopped(status: StoppedStatus): AsyncIterable<StoppedExecution>;
  /** The name of the last state the execution entered (the one it stopped in), from its history's last events. */
  lastStateEntered(executionArn: string): Promise<string | undefined>;
  /** undefined when there is no such execution. */
  describe(executionArn: string): Promise<RedriveState | undefined>;
  /** `notRedrivable` (its message) when Step Functions answers ExecutionNotRedrivable: it restarted meanwhile, or too late. */
  redrive(executionArn: string, clientToken: string): Promise<'redriven' | { notRedrivable: string }>;
  /** The execution of an order: its name is the orderId. */
  executionArnFor(orderId: string): string;
}

export interface UnfinishedOrder {
  orderId: string;
  status: string;
  createdAt: string;
}

export interface OrdersPort {
  /** Orders whose status is not final, created before `createdBefore` (ISO 8601). */
  unfinishedCreatedBefore(createdBefore: string): AsyncIterable<UnfinishedOrder>;
}

export interface AlarmPort {
  /** Publishes to the operations topic; returns the message id. */
  publish(subject: string, message: string): Promise<string>;
}

export interface ReconcilerPorts {
  executions: ExecutionsPort;
  orders: OrdersPort;
  alarm: AlarmPort;
}

export interface ReconcileOptions {
  now: Date;
  /** Redrives per execution before alarming instead (DescribeExecution's redriveCount counts them). */
  redriveCap: number;
  /** An order not final this long after its creation, with no running execution, is stuck. */
  stuckAfterMs: number;
  /**
   * Executions that need a person alarm once: in the run whose window holds their stop date. Each scheduled run's
   * window is the interval before its scheduled time, so consecutive runs do not alarm twice for one stop.
   */
  alarmWindow: { from: Date; to: Date };
  stage: string;
}

/** Why an execution is reported. */
export type ExecutionVerdict =
  | 'redriven'
  | 'past-cap' // redriven `redriveCap` times already: a person decides
  | 'failed-outside-compensation' // e.g. States.Runtime in a main-path state: a redrive would fail the same way
  | 'not-redrivable' // Step Functions refuses (it restarted meanwhile, 14 days passed, history too long)
  | 'error'; // a call failed: retried next run

export interface ExecutionNote {
  executionArn: string;
  orderId: string;
  status: StoppedStatus;
  /** The state it stopped in, when its history was read (FAILED executions). */
  state?: string;
  redriveCount?: number;
  stopDate: string;
  verdict: ExecutionVerdict;
  detail?: string;
}

export interface StuckOrder extends UnfinishedOrder {
  /** The status of the order's execution, or NONE when it has none. */
  execution: string;
}

export interface ReconcileReport {
  redriven: ExecutionNote[];
  pastCap: ExecutionNote[];
  failedOutsideCompensation: ExecutionNote[];
  notRedrivable: ExecutionNote[];
  /** FAILED executions that ended at OrderFailed: compensated, nothing to do. */
  compensated: number;
  /** Executions that stopped more than 14 days ago: redrive no longer applies. */
  tooOld: number;
  stuckOrders: StuckOrder[];
  /** Executions named in this run's alarm (those of the window). */
  alarmed: string[];
  alarmMessageId?: string;
  /** Calls that failed; the run went on with the rest. */
  errors: Array<{ subject: string; error: string }>;
}

/** What to do with a stopped execution, from its status and, when FAILED, the state it failed in. */
export function verdictFor(status: StoppedStatus, failedState: string | undefined): 'redrive' | 'compensated' | 'failed-outside-compensation' {
  if (status !== 'FAILED') return 'redrive'; // stopped from outside (StopExecution, a timeout): resume where it was
  if (failedState === COMPENSATED_END_STATE) return 'compensated';
  if (failedState !== undefined && COMPENSATION_STATES.has(failedState)) return 'redrive';
  return 'failed-outside-compensation';
}

/**
 * The idempotency token of the reconciler's redrive number `redriveCount + 1`: two runs that overlap send the
 * same one, and Step Functions answers the second as it did the first instead of redriving again (API reference,
 * RedriveExecution, clientToken: idempotent for the last 10 tokens, for 15 minutes).
 */
export function redriveToken(redriveCount: number): string {
  return `reconciler-redrive-${redriveCount + 1}`;
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const within = (date: Date, window: { from: Date; to: Date }) => date >= window.from && date < window.to;

/** A run that found nothing (yet). */
export function emptyReport(): ReconcileReport {
  return { redriven: [], pastCap: [], failedOutsideCompensation: [], notRedrivable: [], compensated: 0, tooOld: 0, stuckOrders: [], alarmed: [], errors: [] };
}

export async function reconcile(ports: ReconcilerPorts, options: ReconcileOptions): Promise<ReconcileReport> {
  const report = emptyReport();
  const oldestRedrivable = options.now.getTime() - REDRIVE_PERIOD_MS;

  for (const status of REDRIVABLE_STATUSES) {
    // Every page first: a redrive takes an execution out of its status' list while it is being paged.
    const listed: StoppedExecution[] = [];
    try {
      for await (const execution of ports.executions.listStopped(status)) listed.push(execution);
    } catch (error) {
      report.errors.push({ subject: `ListExecutions ${status}`, error: message(error) });
    }
    for (const execution of listed) {
      if (execution.stopDate.getTime() < oldestRedrivable) report.tooOld += 1;
      else await examine(ports.executions, execution, options, report);
    }
  }

  // After the redrives: an order whose execution was just redriven has a running one.
  await findStuckOrders(ports, options, report);
  await alarmForWindow(ports.alarm, options, report);
  return report;
}

async function examine(executions: ExecutionsPort, execution: StoppedExecution, options: ReconcileOptions, report: ReconcileReport): Promise<void> {
  const note: ExecutionNote = {
    executionArn: execution.executionArn,
    orderId: execution.name,
    status: execution.status,
    stopDate: execution.stopDate.toISOString(),
    verdict: 'error',
  };
  try {
    if (execution.status === 'FAILED') note.state = await executions.lastStateEntered(execution.executionArn);
    const verdict = verdictFor(execution.status, note.state);
    if (verdict === 'compensated') {
      report.compensated += 1;
      return;
    }
    if (verdict === 'failed-outside-compensation') {
      report.failedOutsideCompensation.push({ ...note, verdict, detail: note.state ? `failed in ${note.state}` : 'no state entered' });
      return;
    }
    const described = await executions.describe(execution.executionArn);
    if (!described) return; // gone since it was listed
    note.redriveCount = described.redriveCount;
    if (described.redriveCount >= options.redriveCap) {
      report.pastCap.push({ ...note, verdict: 'past-cap', detail: `redriven ${described.redriveCount} times (cap ${options.redriveCap})` });
      return;
    }
    if (described.redriveStatus === 'NOT_REDRIVABLE') {
      report.notRedrivable.push({ ...note, verdict: 'not-redrivable', detail: described.redriveStatusReason ?? 'NOT_REDRIVABLE' });
      return;
    }
    const outcome = await executions.redrive(execution.executionArn, redriveToken(described.redriveCount));
    if (outcome === 'redriven') report.redriven.push({ ...note, verdict: 'redriven' });
    else report.notRedrivable.push({ ...note, verdict: 'not-redrivable', detail: outcome.notRedrivable });
  } catch (error) {
    report.errors.push({ subject: execution.executionArn, error: message(error) });
  }
}

async function findStuckOrders(ports: ReconcilerPorts, options: ReconcileOptions, report: ReconcileReport): Promise<void> {
  const createdBefore = new Date(options.now.getTime() - options.stuckAfterMs).toISOString();
  try {
    for await (const order of ports.orders.unfinishedCreatedBefore(createdBefore)) {
      try {
        const execution = await ports.executions.describe(ports.executions.executionArnFor(order.orderId));
        if (execution?.status === 'RUNNING') continue;
        report.stuckOrders.push({ ...order, execution: execution?.status ?? 'NONE' });
      } catch (error) {
        report.errors.push({ subject: `order ${order.orderId}`, error: message(error) });
      }
    }
  } catch (error) {
    report.errors.push({ subject: 'Scan of the Orders table', error: message(error) });
  }
}

/** SNS' largest message is 256 KiB: a long list is cut, saying how many were left out. */
const MAX_LISTED = 50;

async function alarmForWindow(alarm: AlarmPort, options: ReconcileOptions, report: ReconcileReport): Promise<void> {
  const needPerson = [...report.pastCap, ...report.failedOutsideCompensation].filter((note) => within(new Date(note.stopDate), options.alarmWindow));
  if (needPerson.length === 0) return;
  const lines = needPerson.slice(0, MAX_LISTED).map(
    (note) =>
      `- order ${note.orderId}: ${note.status}${note.state ? ` in ${note.state}` : ''}, ${note.detail ?? note.verdict}, stopped ${note.stopDate}\n` +
      `  ${note.executionArn}`,
  );
  const more = needPerson.length > MAX_LISTED ? [`... and ${needPerson.length - MAX_LISTED} more (see the reconciler's log).`] : [];
  const text = [
    `The reconciler of order-pipeline (${options.stage}) will not redrive these executions: a person must look at them.`,
    '',
    ...lines,
    ...more,
    '',
    `Past the cap (${options.redriveCap} redrives): once the cause is fixed, redrive by hand:`,
    '  aws stepfunctions redrive-execution --execution-arn <arn>',
    'Failed outside compensation (no compensation step stopped it): a redrive would fail the same way; read the',
    'execution history (aws stepfunctions get-execution-history --execution-arn <arn> --reverse-order) first.',
  ].join('\n');
  const subject = `order-pipeline ${options.stage}: ${needPerson.length} execution${needPerson.length === 1 ? '' : 's'} need a person`;
  try {
    report.alarmMessageId = await alarm.publish(subject.slice(0, 100), text);
    report.alarmed = needPerson.map((note) => note.executionArn);
  } catch (error) {
    report.errors.push({ subject: 'Publish to the operations topic', error: message(error) });
  }
}

/** A run that could not do everything (a call failed): what it did stands, the rest is retried next run. */
export class ReconcileIncomplete extends Error {
  override readonly name = 'ReconcileIncomplete';
  constructor(readonly report: ReconcileReport) {
    super(`${report.errors.length} call(s) failed, left for the next run: ${report.errors.map((e) => `${e.subject}: ${e.error}`).join('; ').slice(0, 1000)}`);
  }
}

/**
 * The window a run alarms for: the interval before its scheduled time. EventBridge sends the scheduled time as
 * the event's `time`; a caller that is not EventBridge (the local timer) may say its own interval.
 */
export function alarmWindow(scheduledTime: Date, intervalMs: number): { from: Date; to: Date } {
  return { from: new Date(scheduledTime.getTime() - intervalMs), to: scheduledTime };
}
