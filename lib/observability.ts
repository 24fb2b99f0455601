// One logger, tracer and metrics instance per Lambda, configured by the POWERTOOLS_* environment. On AWS the
// functions log JSON lines, trace with X-Ray and publish business metrics as EMF (namespace
// POWERTOOLS_METRICS_NAMESPACE); locally and in unit tests tracing and metrics are off (POWERTOOLS_TRACE_ENABLED,
// POWERTOOLS_METRICS_DISABLED). serverless.yml's dashboard reads the metrics by the names used here.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { RejectionReason } from '../domain/order.ts';

export const logger = new Logger();
// The AWS SDK calls are traced by captureAWSv3Client (lib/clients.ts), the payment provider by traced() below.
// Powertools' patching of http/https and fetch (captureHTTPsRequests) is off: the X-Ray SDK's patch skips requests
// that already carry an X-Amzn-Trace-Id header, which every traced SDK call does (aws-xray-sdk-core http_p.js), and
// the functions make no other HTTP calls, so it traced nothing and only added to every cold start.
export const tracer = new Tracer({ captureHTTPsRequests: false });
// Metrics' own warnings ("no metrics to publish") go through the logger, so the log level governs them. The stage
// is a dimension of every metric: two stages may share an account, and their orders must not add up.
const stage = process.env.STAGE;
export const metrics = new Metrics({ logger, ...(stage ? { defaultDimensions: { stage } } : {}) });

/**
 * Names the order on every log line of this invocation and on its trace (an X-Ray annotation, searchable). The
 * order's execution is named by its orderId - createOrder starts it so, and every state passes $$.Execution.Name
 * as `orderId` - so `executionName` is that same value, said explicitly for whoever searches the logs by it. The
 * middleware (lib/middleware.ts) clears these keys before and after each invocation.
 */
export function appendOrderKeys(orderId: string): void {
  logger.appendKeys({ orderId, executionName: orderId });
  tracer.putAnnotation('orderId', orderId);
}

/**
 * Counts one rejected order under its reason. Published at once as its own EMF document, so the `reason` dimension
 * never sticks to another metric of the invocation.
 */
export function countRejection(reason: RejectionReason): void {
  const rejection = metrics.singleMetric();
  rejection.addDimension('reason', reason);
  rejection.addMetric('OrderRejected', MetricUnit.Count, 1);
}

/** Runs `call` and records how long it took (ms) as `metricName`, whether it succeeded or threw. */
export async function timed<T>(metricName: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await call();
  } finally {
    metrics.addMetric(metricName, MetricUnit.Milliseconds, Math.round((performance.now() - started) * 1000) / 1000);
  }
}

/**
 * Wraps every method of an adapter in its own X-Ray subsegment, `<name>.<method>`, with the error recorded when it
 * throws (what Powertools' captureMethod does for class methods). The AWS SDK calls inside show as subsegments of
 * it. With tracing off (locally, in tests) the call goes straight through.
 */
export function traced<T extends object>(name: string, target: T): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (!tracer.isTracingEnabled()) return value.apply(obj, args);
        return tracer.provider.captureAsyncFunc(`${name}.${String(prop)}`, async (subsegment) => {
          try {
            return await value.apply(obj, args);
          } catch (error) {
            subsegment?.addError(error as Error);
            throw error;
          } finally {
            subsegment?.close();
          }
        });
      };
    },
  });
}

/** "j***@example.com": enough to tell customers apart in logs without keeping their address in clear. */
export function maskEmail(email: string | undefined): string | undefined {
  if (!email) return email;
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
