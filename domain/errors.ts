// Errors that steer the workflow or shape an HTTP answer, declared once.
// A class's `name` is exactly the ErrorEquals that catches it; `httpStatus` is what the HTTP layer answers,
// which is also how the API Gateway integration names it in the workflow (ApiGateway.<httpStatus>).

export interface FieldProblem {
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly httpStatus: number;
  /** Safe to show to API callers. */
  readonly details: FieldProblem[] | undefined;

  constructor(message: string, details?: FieldProblem[], options?: ErrorOptions) {
    super(message, options);
    this.details = details;
  }
}

/** Input that breaks the order schema or the catalog (unknown SKU, currency mismatch). */
export class ValidationError extends DomainError {
  override readonly name = 'ValidationError';
  readonly httpStatus = 400;
}

/** The execution's input is not an order we can accept; the order is stored REJECTED/INVALID_ORDER. */
export class InvalidOrder extends DomainError {
  override readonly name = 'InvalidOrder';
  readonly httpStatus = 422;
}

/** The card was declined. Workflow: caught as ApiGateway.402 on ValidatePayment -> REJECTED/PAYMENT_DECLINED. */
export class PaymentDeclined extends DomainError {
  override readonly name = 'PaymentDeclined';
  readonly httpStatus = 402;
  constructor(
    message: string,
    readonly declineCode: string,
  ) {
    super(message);
  }
}

/** At least one line cannot be reserved; nothing was changed. */
export class OutOfStock extends DomainError {
  override readonly name = 'OutOfStock';
  readonly httpStatus = 409;
  constructor(readonly skus: string[]) {
    super(`Out of stock: ${skus.join(', ')}`);
  }
}

/** Worth retrying: throttling, a provider hiccup, a lost race. Workflow Retry catches it (ApiGateway.503 over HTTP). */
export class TransientError extends DomainError {
  override readonly name = 'TransientError';
  readonly httpStatus = 503;
}

/** The order is not in the status this step needs (a bug or an out-of-order re-run); not retried. */
export class OrderStateConflict extends DomainError {
  override readonly name = 'OrderStateConflict';
  readonly httpStatus = 409;
  /** The order as found, when it exists; lets callers tell a re-run from a real conflict. */
  currentStatus?: string;
}

/**
 * POST /payments/validate answered 2xx with something that is not the authorization recorded on the order (not
 * an object, a wrong shape, another id or amount). Workflow: UpdateStock throws it before taking any stock, and
 * it is compensated like any unexpected error (the payment voided, the order FAILED). Never answered over HTTP.
 */
export class UnexpectedPaymentResponse extends DomainError {
  override readonly name = 'UnexpectedPaymentResponse';
  readonly httpStatus = 502;
}

/** The same Idempotency-Key was used with a different body. */
export class IdempotencyConflict extends DomainError {
  override readonly name = 'IdempotencyConflict';
  readonly httpStatus = 409;
}

export class NotFound extends DomainError {
  override readonly name = 'NotFound';
  readonly httpStatus = 404;
}

export class MalformedJson extends DomainError {
  override readonly name = 'MalformedJson';
  readonly httpStatus = 400;
}

export class UnsupportedMediaType extends DomainError {
  override readonly name = 'UnsupportedMediaType';
  readonly httpStatus = 415;
}

export class PayloadTooLarge extends DomainError {
  override readonly name = 'PayloadTooLarge';
  readonly httpStatus = 413;
}

/** Every error class above, for tests that check the workflow catches only errors the code can throw. */
export const workflowErrorClasses = [
  InvalidOrder,
  PaymentDeclined,
  OutOfStock,
  TransientError,
  OrderStateConflict,
  UnexpectedPaymentResponse,
] as const;

export const allErrorClasses = [
  ValidationError,
  ...workflowErrorClasses,
  IdempotencyConflict,
  NotFound,
  MalformedJson,
  UnsupportedMediaType,
  PayloadTooLarge,
] as const;
