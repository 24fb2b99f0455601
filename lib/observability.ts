// One logger, tracer and metrics instance per Lambda, configured by the POWERTOOLS_* environment.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const logger = new Logger();
export const tracer = new Tracer();
// Metrics' own warnings ("no metrics to publish") go through the logger, so the log level governs them.
export const metrics = new Metrics({ logger });

/** "j***@example.com": enough to tell customers apart in logs without keeping their address in clear. */
export function maskEmail(email: string | undefined): string | undefined {
  if (!email) return email;
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
