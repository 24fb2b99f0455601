import { describe, expect, it } from 'vitest';
import {
  DomainError,
  IdempotencyConflict,
  InvalidOrder,
  MalformedJson,
  NotFound,
  OrderStateConflict,
  OutOfStock,
  PayloadTooLarge,
  PaymentDeclined,
  TransientError,
  UnexpectedPaymentResponse,
  UnsupportedMediaType,
  ValidationError,
  allErrorClasses,
  workflowErrorClasses,
} from '../../../domain/errors.ts';

describe('error classes', () => {
  it.each([
    [ValidationError, 'ValidationError', 400],
    [InvalidOrder, 'InvalidOrder', 422],
    [TransientError, 'TransientError', 503],
    [OrderStateConflict, 'OrderStateConflict', 409],
    [IdempotencyConflict, 'IdempotencyConflict', 409],
    [NotFound, 'NotFound', 404],
    [MalformedJson, 'MalformedJson', 400],
    [UnsupportedMediaType, 'UnsupportedMediaType', 415],
    [PayloadTooLarge, 'PayloadTooLarge', 413],
    [UnexpectedPaymentResponse, 'UnexpectedPaymentResponse', 502],
  ] as const)('%o is named %s and answers %s', (ErrorClass, name, status) => {
    const error = new ErrorClass('message', [{ path: 'x', message: 'y' }]);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.httpStatus).toBe(status);
    expect(error.details).toEqual([{ path: 'x', message: 'y' }]);
    expect(String(error)).toBe(`${name}: message`);
  });

  it('PaymentDeclined answers 402 (the workflow catches ApiGateway.402) and keeps the decline code', () => {
    const error = new PaymentDeclined('Your card was declined.', 'generic_decline');
    expect(error.name).toBe('PaymentDeclined');
    expect(error.httpStatus).toBe(402);
    expect(error.declineCode).toBe('generic_decline');
  });

  it('OutOfStock names every short SKU in its message', () => {
    const error = new OutOfStock(['MUG-01', 'FILTER-100']);
    expect(error.name).toBe('OutOfStock');
    expect(error.skus).toEqual(['MUG-01', 'FILTER-100']);
    expect(error.message).toBe('Out of stock: MUG-01, FILTER-100');
  });

  it('keeps the cause it was given', () => {
    const cause = new Error('ThrottlingException');
    expect(new TransientError('try again', undefined, { cause }).cause).toBe(cause);
  });

  it('lists every class once, with distinct names, workflow errors included', () => {
    const names = allErrorClasses.map((C) => C.name);
    expect(new Set(names).size).toBe(names.length);
    for (const C of workflowErrorClasses) expect(allErrorClasses).toContain(C);
  });
});
