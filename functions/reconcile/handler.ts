// Scheduled (EventBridge, every reconcileRate): redrives the executions that stopped before their order was
// settled, alarms for those it will not redrive, and reports the orders left unfinished (services/reconciler.ts).
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ScheduledEvent } from 'aws-lambda';
import { OperationsAlarm } from '../../adapters/OperationsAlarm.ts';
import { StepFunctionsExecutions } from '../../adapters/StepFunctionsExecutions.ts';
import { UnfinishedOrders } from '../../adapters/UnfinishedOrders.ts';
import { getDocumentClient, getSfnClient, getSnsClient } from '../../lib/clients.ts';
import { config, reconcilerConfig } from '../../lib/config.ts';
import { scheduledJob } from '../../lib/middleware.ts';
import { logger, metrics } from '../../lib/observability.ts';
import { alarmWindow, reconcile, ReconcileIncomplete, type ReconcileReport } from '../../services/reconciler.ts';

// Not wrapped in traced(): its proxy awaits each method, which an async generator (the listings) is not. The SDK
// clients are traced themselves, so every call still shows as a subsegment.
const ports = {
  executions: new StepFunctionsExecutions(getSfnClient(), config.stateMachineArn),
  orders: new UnfinishedOrders(getDocumentClient(), config.ordersTable),
  alarm: new OperationsAlarm(getSnsClient(), reconcilerConfig.operationsTopicArn),
};
// Read once, at init: a bad setting fails the first invocation, naming the variable.
const settings = {
  redriveCap: reconcilerConfig.redriveCap,
  stuckAfterMs: reconcilerConfig.stuckAfterMs,
  intervalMs: reconcilerConfig.intervalMs,
  stage: reconcilerConfig.stage,
};

/**
 * The scheduled event. `detail.intervalSeconds` only from a caller that is not EventBridge: the local timer says its
 * interval; 0 (a run by hand, `npm run reconcile`) alarms for nothing, leaving the alarms to the scheduled runs.
 */
export type ReconcileEvent = Partial<Pick<ScheduledEvent, 'time'>> & { detail?: { intervalSeconds?: number } };

function scheduledTime(event: ReconcileEvent | null | undefined, now: Date): Date {
  const time = event?.time ? new Date(event.time) : now;
  return Number.isNaN(time.getTime()) ? now : time;
}

/** The EMF metrics of one run; StuckOrders every run, 0 included, so its alarm can return to OK. */
function measure(report: ReconcileReport): void {
  metrics.addMetric('StuckOrders', MetricUnit.Count, report.stuckOrders.length);
  metrics.addMetric('ExecutionsRedriven', MetricUnit.Count, report.redriven.length);
  metrics.addMetric('ExecutionsPastRedriveCap', MetricUnit.Count, report.pastCap.length);
  metrics.addMetric('ExecutionsFailedOutsideCompensation', MetricUnit.Count, report.failedOutsideCompensation.length);
  metrics.addMetric('ExecutionsNotRedrivable', MetricUnit.Count, report.notRedrivable.length);
}

export const handler = scheduledJob<ReconcileEvent, ReconcileReport>(async (event) => {
  const now = new Date();
  const intervalSeconds = event?.detail?.intervalSeconds;
  const intervalMs = typeof intervalSeconds === 'number' && intervalSeconds >= 0 ? intervalSeconds * 1000 : settings.intervalMs;
  const report = await reconcile(ports, {
    now,
    redriveCap: settings.redriveCap,
    stuckAfterMs: settings.stuckAfterMs,
    alarmWindow: alarmWindow(scheduledTime(event, now), intervalMs),
    stage: settings.stage,
  });
  measure(report);
  for (const note of report.redriven) logger.info('execution redriven', { orderId: note.orderId, executionArn: note.executionArn, status: note.status, state: note.state, redriveCount: note.redriveCount });
  for (const note of [...report.pastCap, ...report.failedOutsideCompensation, ...report.notRedrivable]) {
    logger.warn('execution not redriven', { orderId: note.orderId, executionArn: note.executionArn, status: note.status, state: note.state, verdict: note.verdict, detail: note.detail });
  }
  for (const order of report.stuckOrders) logger.warn('order stuck', { orderId: order.orderId, status: order.status, createdAt: order.createdAt, execution: order.execution });
  const counts = {
    redriven: report.redriven.length,
    pastCap: report.pastCap.length,
    failedOutsideCompensation: report.failedOutsideCompensation.length,
    notRedrivable: report.notRedrivable.length,
    compensated: report.compensated,
    stuckOrders: report.stuckOrders.length,
    alarmed: report.alarmed.length,
  };
  // A run that found nothing logs its counts at DEBUG only: locally it runs every minute.
  if (counts.redriven + counts.pastCap + counts.failedOutsideCompensation + counts.notRedrivable + counts.stuckOrders > 0) logger.info('reconciled', counts);
  else logger.debug('reconciled', counts);
  if (report.errors.length > 0) throw new ReconcileIncomplete(report);
  return report;
});
