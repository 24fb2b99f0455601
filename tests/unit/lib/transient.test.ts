import { describe, expect, it } from 'vitest';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  IdempotencyConflict,
  InvalidOrder,
  OrderStateConflict,
  OutOfStock,
  PaymentDeclined,
  TransientError,
  ValidationError,
} from '../../../domain/errors.ts';
import { classify, isRetryable } from '../../../lib/transient.ts';
import { awsError, conditionFailed } from '../support/aws.ts';

describe('isRetryable / classify', () => {
  it.each([
    'ThrottlingException',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
    'TooManyRequestsException',
    'Throttling',
  ])('a %s (HTTP 400 throttle) becomes TransientError keeping the original as cause', (name) => {
    const original = awsError(name, name === 'TooManyRequestsException' ? 429 : 400);
    expect(isRetryable(original)).toBe(true);
    const classified = classify(original);
    expect(classified).toBeInstanceOf(TransientError);
    expect((classified as TransientError).name).toBe('TransientError');
    expect((classified as TransientError).message).toBe(`${name}: ${name} from AWS`);
    expect((classified as TransientError).cause).toBe(original);
  });

  it.each([500, 502, 503, 504, 599])('an AWS error with HTTP %s in $metadata becomes TransientError', (status) => {
    expect(classify(awsError('SomethingBroke', status))).toBeInstanceOf(TransientError);
  });

  it.each([
    'TransactionConflictException',
    'TransactionInProgressException',
    'InternalServerError',
    'InternalErrorException',
    'ServiceUnavailable',
    'KMSThrottlingException',
  ])('a %s without HTTP status (e.g. injected) becomes TransientError', (name) => {
    const error = Object.assign(new Error('x'), { name });
    expect(classify(error)).toBeInstanceOf(TransientError);
  });

  it('a network reset (ECONNRESET) is retryable', () => {
    expect(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it('a TransientError is returned as the very same instance', () => {
    const error = new TransientError('try again');
    expect(classify(error)).toBe(error);
  });

  it('an error named TransientError that is not our class (an injected fault) is retryable', () => {
    const injected = Object.assign(new Error('Injected fault TransientError in payments'), { name: 'TransientError' });
    expect(isRetryable(injected)).toBe(true);
    expect(classify(injected)).toBeInstanceOf(TransientError);
  });

  it.each([
    new ValidationError('bad'),
    new InvalidOrder('bad'),
    new PaymentDeclined('declined', 'generic_decline'),
    new OutOfStock(['MUG-01']),
    new OrderStateConflict('conflict'),
    new IdempotencyConflict('conflict'),
  ])('leaves the domain error %s untouched', (error) => {
    expect(isRetryable(error)).toBe(false);
    expect(classify(error)).toBe(error);
  });

  it('a domain error stays itself even when its cause was transient', () => {
    const error = new OrderStateConflict('conflict', undefined, { cause: awsError('ThrottlingException', 400) });
    expect(classify(error)).toBe(error);
  });

  it.each([
    ['ConditionalCheckFailedException', conditionFailed()],
    ['ValidationException', awsError('ValidationException', 400)],
    ['AccessDeniedException', awsError('AccessDeniedException', 403)],
    ['a plain Error', new Error('boom')],
  ])('leaves %s as it is', (_label, error) => {
    expect(isRetryable(error)).toBe(false);
    expect(classify(error)).toBe(error);
  });

  it.each([undefined, null, 'ThrottlingException', { name: 'ThrottlingException' }])('does not treat the non-Error %j as retryable', (value) => {
    expect(isRetryable(value)).toBe(false);
    expect(classify(value)).toBe(value);
  });

  it('ConditionalCheckFailedException is an AWS client error, not retryable', () => {
    expect(conditionFailed()).toBeInstanceOf(ConditionalCheckFailedException);
  });
});
