// The reconciler on a timer inside `npm start`: what the EventBridge schedule does on AWS. Every interval it
// invokes the `reconcile` function through the local Lambda runtime - the same handler, in its own instance, with
// its serverless.yml environment pointed at the local AWS endpoint - with a scheduled event as EventBridge sends
// it (Lambda developer guide, "Invoke a Lambda function on a schedule"). A run still going at the next tick makes
// that tick skip, as a run is not started twice at once.
import { randomUUID } from 'node:crypto';
import type { ReconcileReport } from '../../services/reconciler.ts';
import type { LambdaRuntime } from '../engine/lambdaRuntime.ts';
import type { CloudFormationResolver } from './cloudFormation.ts';
import type { ServerlessConfig } from './serverlessConfig.ts';

/** The function key in serverless.yml. */
export const RECONCILER_FUNCTION = 'reconcile';
/** `npm start` runs the reconciler this often unless told otherwise (`--reconcile-every SECONDS`, 0 = off). */
export const DEFAULT_RECONCILE_EVERY_SECONDS = 60;

/**
 * An EventBridge scheduled event for `time` (whole seconds, as EventBridge writes it). `intervalSeconds` in
 * `detail` tells the handler the interval when it is not its schedule's rate (EventBridge sends `detail: {}`).
 */
export function scheduledEvent(
  time: Date,
  where: { region: string; accountId: string; ruleName: string },
  intervalSeconds?: number,
): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: where.accountId,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [`arn:aws:events:${where.region}:${where.accountId}:rule/${where.ruleName}`],
    detail: intervalSeconds !== undefined ? { intervalSeconds } : {},
  };
}

/** The schedule rule's name (functions.reconcile.events[].schedule.name), or the framework's default shape. */
export function reconcilerRuleName(config: ServerlessConfig, resolver: Pick<CloudFormationResolver, 'service' | 'stage'>): string {
  for (const event of config.functions?.[RECONCILER_FUNCTION]?.events ?? []) {
    const schedule = event.schedule as { name?: unknown } | undefined;
    if (schedule && typeof schedule.name === 'string') return schedule.name;
  }
  return `${resolver.service}-${resolver.stage}-${RECONCILER_FUNCTION}`;
}

/** A run in a few counts: what it redrove, what it left to a person, which orders are stuck (a few named). */
export function reconcileRunCounts(report: ReconcileReport): string[] {
  const names = (notes: Array<{ orderId: string }>) => (notes.length > 0 ? ` (${notes.slice(0, 5).map((note) => note.orderId).join(', ')}${notes.length > 5 ? ', ...' : ''})` : '');
  return [
    `redriven: ${report.redriven.length}${names(report.redriven)}`,
    `past cap: ${report.pastCap.length}${names(report.pastCap)}`,
    `failed outside compensation: ${report.failedOutsideCompensation.length}${names(report.failedOutsideCompensation)}`,
    `not redrivable: ${report.notRedrivable.length}`,
    `stuck orders: ${report.stuckOrders.length}${names(report.stuckOrders)}`,
    ...(report.alarmed.length > 0 ? [`alarmed: ${report.alarmed.length}`] : []),
  ];
}

/** One line about a run. */
export function describeReconcileRun(report: ReconcileReport): string {
  return reconcileRunCounts(report).join('; ');
}

const didSomething = (report: ReconcileReport) =>
  report.redriven.length + report.pastCap.length + report.failedOutsideCompensation.length + report.notRedrivable.length + report.stuckOrders.length > 0;

export interface ReconcilerTimerOptions {
  /** Milliseconds between runs (> 0). */
  intervalMs: number;
  /** A line for each run that found something (nothing is said of a run that found nothing). */
  log?: (line: string) => void;
  /** A line for a run that failed. */
  warn?: (line: string) => void;
}

export interface ReconcilerTimer {
  readonly intervalMs: number;
  /** Runs completed (successfully or not). */
  readonly runs: number;
  /** The last successful run's report. */
  readonly lastReport: ReconcileReport | undefined;
  /** Runs now, or waits for the run under way; undefined when it failed (said through `warn`). */
  runNow(): Promise<ReconcileReport | undefined>;
  /** No more runs; resolves once the run under way, if any, has ended. Call it before stopping the Lambda runtime. */
  stop(): Promise<void>;
}

/** What the timer needs of a local stack (LocalStack has all of it). */
export interface ReconcilerHost {
  lambda: Pick<LambdaRuntime, 'invoke' | 'functions'>;
  resolver: Pick<CloudFormationResolver, 'region' | 'accountId' | 'service' | 'stage'>;
  config: ServerlessConfig;
}

export function startReconcilerTimer(stack: ReconcilerHost, options: ReconcilerTimerOptions): ReconcilerTimer {
  if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) throw new Error(`the reconciler interval must be above 0 ms, got ${options.intervalMs}`);
  if (!stack.lambda.functions.has(RECONCILER_FUNCTION)) throw new Error(`serverless.yml has no function "${RECONCILER_FUNCTION}" to run on a timer`);
  const where = { region: stack.resolver.region, accountId: stack.resolver.accountId, ruleName: reconcilerRuleName(stack.config, stack.resolver) };
  const intervalSeconds = Math.round(options.intervalMs / 1000);
  let running: Promise<ReconcileReport | undefined> | undefined;
  let stopped = false;
  const state = { runs: 0, lastReport: undefined as ReconcileReport | undefined };

  const runOnce = (): Promise<ReconcileReport | undefined> => {
    running ??= (async () => {
      try {
        const report = (await stack.lambda.invoke(RECONCILER_FUNCTION, scheduledEvent(new Date(), where, intervalSeconds))) as ReconcileReport;
        state.lastReport = report;
        if (didSomething(report)) options.log?.(`reconcile  ${describeReconcileRun(report)}`);
        return report;
      } catch (error) {
        const failure = error as { name?: string; message?: string };
        options.warn?.(`reconcile run failed: ${failure.name ?? 'Error'}: ${failure.message ?? String(error)}`);
        return undefined;
      } finally {
        state.runs += 1;
        running = undefined;
      }
    })();
    return running;
  };

  const timer = setInterval(() => {
    if (!stopped && !running) void runOnce();
  }, options.intervalMs);
  timer.unref(); // never what keeps a process alive

  return {
    intervalMs: options.intervalMs,
    get runs() {
      return state.runs;
    },
    get lastReport() {
      return state.lastReport;
    },
    runNow: () => (stopped ? Promise.resolve(undefined) : runOnce()),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
