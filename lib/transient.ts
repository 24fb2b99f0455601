// Which failures are worth retrying. The workflow retries exactly one error of ours, TransientError, so every
// throttle, 5xx and lost race from AWS is turned into it; everything else keeps its own name.
import { isServerError, isThrottlingError as isSdkThrottlingError, isTransientError } from '@smithy/service-error-classification';
import { DomainError, TransientError } from '../domain/errors.ts';

// 5xx-class AWS error names that carry no HTTP status when thrown (for instance by fault injection).
const SERVER_ERROR_NAMES = new Set([
  'InternalErrorException',
  'InternalServerError',
  'InternalServerErrorException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TransactionConflictException',
  'TransactionInProgressException',
  'KMSThrottlingException',
]);

export function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof DomainError) return error instanceof TransientError;
  // Ours by name only: an injected fault (FAULTS=payments:TransientError:2) is a plain Error with this name.
  if (error.name === 'TransientError') return true;
  const sdkError = error as Parameters<typeof isSdkThrottlingError>[0];
  return (
    SERVER_ERROR_NAMES.has(error.name) ||
    isSdkThrottlingError(sdkError) ||
    isTransientError(sdkError) ||
    isServerError(sdkError)
  );
}

/** A throttle by AWS's own classification (ThrottlingException, TooManyRequestsException, a 429, ...), by name too. */
export function isThrottlingError(error: unknown): boolean {
  return error instanceof Error && isSdkThrottlingError(error as Parameters<typeof isSdkThrottlingError>[0]);
}

/** The error to surface: a retryable one becomes TransientError (keeping the original as its cause). */
export function classify(error: unknown): unknown {
  if (error instanceof TransientError || !isRetryable(error)) return error;
  const original = error as Error;
  return new TransientError(`${original.name}: ${original.message}`, undefined, { cause: original });
}
