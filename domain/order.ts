// The order: its statuses, how it is priced, what each rejection means. Pure: no I/O, no AWS SDK.
import { formatMoney, money, multiply, sum, type Money } from './money.ts';
import type { FieldProblem } from './errors.ts';
import type { OrderRequest } from './schemas.ts';

export const OrderStatus = {
  RECEIVED: 'RECEIVED',
  PAYMENT_APPROVED: 'PAYMENT_APPROVED',
  STOCK_RESERVED: 'STOCK_RESERVED',
  CONFIRMED: 'CONFIRMED',
  REJECTED: 'REJECTED',
  FAILED: 'FAILED',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

export const FINAL_STATUSES: readonly OrderStatus[] = ['CONFIRMED', 'REJECTED', 'FAILED'];

export const RejectionReason = {
  PAYMENT_DECLINED: 'PAYMENT_DECLINED',
  OUT_OF_STOCK: 'OUT_OF_STOCK',
  INVALID_ORDER: 'INVALID_ORDER',
} as const;
export type RejectionReason = (typeof RejectionReason)[keyof typeof RejectionReason];

/** The status an order may move to from each status; final statuses go nowhere. */
const NEXT: Record<OrderStatus, readonly OrderStatus[]> = {
  RECEIVED: ['PAYMENT_APPROVED', 'REJECTED', 'FAILED'],
  PAYMENT_APPROVED: ['STOCK_RESERVED', 'REJECTED', 'FAILED'],
  STOCK_RESERVED: ['CONFIRMED', 'FAILED'],
  CONFIRMED: [],
  REJECTED: [],
  FAILED: [],
};

/**
 * Compensation (release stock, void payment) may touch an order unless its sale is done: a CONFIRMED order
 * is never undone, whatever failed after it (a notice that could not be published, a double fault).
 */
export function mayCompensate(order: Pick<Order, 'status'> | undefined): boolean {
  return order?.status !== 'CONFIRMED';
}

export function canMove(from: OrderStatus, to: OrderStatus): boolean {
  return NEXT[from].includes(to);
}

/** The statuses from which `to` may be reached: the condition of the write that moves an order. */
export function statusesBefore(to: OrderStatus): OrderStatus[] {
  return (Object.keys(NEXT) as OrderStatus[]).filter((from) => canMove(from, to));
}

export interface Product {
  sku: string;
  name: string;
  unitPrice: number;
  currency: string;
  available: number;
}

export interface PricedLine {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

export interface Customer {
  id: string;
  email: string;
  name: string;
}

export interface HistoryEntry {
  /** The status the order moved to; for an event (REDRIVEN), the status it was in. */
  status: OrderStatus;
  at: string;
  reason?: RejectionReason;
  /** Set on entries that record something other than a status change: REDRIVEN, a redrive of the execution. */
  event?: 'REDRIVEN';
  /** REDRIVEN: the execution's redrive count ($$.Execution.RedriveCount) at that redrive. */
  redriveCount?: number;
}

/**
 * The workflow's compensation steps, named as its states (workflows/order-pipeline.asl.yml): what an order goes
 * through when a step failed for good. MarkFailed and NotifyFailure end a failure, RejectOrder an out-of-stock.
 */
export const CompensationStep = {
  ReleaseStock: 'ReleaseStock',
  VoidPayment: 'VoidPayment',
  RejectOrder: 'RejectOrder',
  MarkFailed: 'MarkFailed',
  NotifyFailure: 'NotifyFailure',
} as const;
export type CompensationStep = (typeof CompensationStep)[keyof typeof CompensationStep];

/**
 * The compensation steps, in order, for the error that started compensation: the path of the definition
 * (RejectOrFail sends OutOfStock to RejectOrder, every other error to MarkFailed). OutOfStock reaches
 * compensation at VoidPayment: nothing was reserved.
 */
export function compensationPlan(error: string): CompensationStep[] {
  return error === 'OutOfStock' ? ['VoidPayment', 'RejectOrder'] : ['ReleaseStock', 'VoidPayment', 'MarkFailed', 'NotifyFailure'];
}

/** The steps from `step` on, for that error; undefined when `step` is not on its path. */
export function compensationFrom(step: CompensationStep, error: string): CompensationStep[] | undefined {
  const plan = compensationPlan(error);
  const at = plan.indexOf(step);
  return at < 0 ? undefined : plan.slice(at);
}

/** What GET /orders/{orderId} shows of a compensation: DONE once no step remains. */
export interface CompensationView {
  status: 'PENDING' | 'DONE';
  remaining: CompensationStep[];
  /** The error that started it. */
  error: string;
  since: string;
}

export function compensationOf(order: Pick<Order, 'compensation' | 'compensationRemaining'>): CompensationView | undefined {
  if (!order.compensation || !order.compensationRemaining) return undefined;
  const remaining = [...order.compensationRemaining];
  return { status: remaining.length > 0 ? 'PENDING' : 'DONE', remaining, error: order.compensation.error, since: order.compensation.since };
}

export type NoticeKind = 'confirmation' | 'rejection' | 'failure';

export interface Notice {
  status: 'PENDING' | 'SENT' | 'FAILED';
  messageId?: string;
  claimedAt?: string;
  sentAt?: string;
  error?: string;
}

export interface Order {
  orderId: string;
  status: OrderStatus;
  reason?: RejectionReason;
  customer?: Customer;
  items?: PricedLine[];
  total?: number;
  currency?: string;
  problems?: FieldProblem[];
  payment?: { authorizationId: string; status: 'AUTHORIZED' | 'VOIDED'; amount: number; currency: string };
  stockReservation?: { status: 'RESERVED' | 'RELEASED'; lines: { sku: string; quantity: number }[]; at: string };
  confirmationNotice?: Notice;
  rejectionNotice?: Notice;
  failureNotice?: Notice;
  failure?: { error: string; detail?: string };
  /**
   * Compensation, once started: the error that started it and when (written once), and the steps still to run
   * (each step takes itself off when done; empty: done). Two attributes because MarkFailed, one direct DynamoDB
   * write, must create the first when absent and overwrite the second, and one update cannot do both to one map.
   */
  compensation?: { error: string; since: string };
  compensationRemaining?: CompensationStep[];
  /** The last redrive recorded in `history` (REDRIVEN), so each is recorded once. */
  redriveCount?: number;
  history: HistoryEntry[];
  createdAt: string;
  updatedAt: string;
}

export type Pricing = { ok: true; items: PricedLine[]; total: Money } | { ok: false; problems: FieldProblem[] };

/**
 * Prices every line from the catalog; the client's idea of prices is never asked for.
 * Problems name the request field: unknown SKU, a currency other than the order's, a total too large.
 */
export function priceOrder(request: Pick<OrderRequest, 'items' | 'currency'>, catalog: ReadonlyMap<string, Product>): Pricing {
  const problems: FieldProblem[] = [];
  const currency = request.currency ?? catalog.get(request.items[0]?.sku ?? '')?.currency;
  const items: PricedLine[] = [];
  request.items.forEach((line, index) => {
    const product = catalog.get(line.sku);
    if (!product) {
      problems.push({ path: `items[${index}].sku`, message: `unknown SKU "${line.sku}"` });
      return;
    }
    if (currency !== undefined && product.currency !== currency) {
      problems.push({
        path: `items[${index}].sku`,
        message: `is priced in ${product.currency}, the order is in ${currency}`,
      });
      return;
    }
    let lineTotal: number;
    try {
      lineTotal = multiply(money(product.unitPrice, product.currency), line.quantity).amount;
    } catch {
      problems.push({ path: `items[${index}].quantity`, message: 'line total is too large' });
      return;
    }
    items.push({ sku: line.sku, name: product.name, quantity: line.quantity, unitPrice: product.unitPrice, lineTotal });
  });
  if (problems.length > 0 || currency === undefined) return { ok: false, problems };
  try {
    return { ok: true, items, total: sum(items.map((i) => money(i.lineTotal, currency)), currency) };
  } catch {
    return { ok: false, problems: [{ path: 'items', message: 'order total is too large' }] };
  }
}

export function newOrder(args: {
  orderId: string;
  customer: Customer;
  items: PricedLine[];
  total: Money;
  now: string;
}): Order {
  return {
    orderId: args.orderId,
    status: 'RECEIVED',
    customer: args.customer,
    items: args.items,
    total: args.total.amount,
    currency: args.total.currency,
    history: [{ status: 'RECEIVED', at: args.now }],
    createdAt: args.now,
    updatedAt: args.now,
  };
}

/** An order that never got past validation, kept so the caller can see why. */
export function invalidOrder(args: {
  orderId: string;
  customer?: Customer | undefined;
  problems: FieldProblem[];
  now: string;
}): Order {
  return {
    orderId: args.orderId,
    status: 'REJECTED',
    reason: 'INVALID_ORDER',
    ...(args.customer ? { customer: args.customer } : {}),
    problems: args.problems,
    history: [{ status: 'REJECTED', at: args.now, reason: 'INVALID_ORDER' }],
    createdAt: args.now,
    updatedAt: args.now,
  };
}

/**
 * The rejection an error caught by the workflow stands for. ApiGateway.402 is how the Step Functions
 * API Gateway integration names our PaymentDeclined (HTTP 402).
 */
export function rejectionReasonFor(errorName: string): RejectionReason | undefined {
  switch (errorName) {
    case 'InvalidOrder':
      return 'INVALID_ORDER';
    case 'ApiGateway.402':
    case 'PaymentDeclined':
      return 'PAYMENT_DECLINED';
    case 'OutOfStock':
      return 'OUT_OF_STOCK';
    default:
      return undefined;
  }
}

/** What GET /orders/{orderId} shows: no payment internals, no notices bookkeeping; compensation while it runs and once done. */
export function toPublicOrder(order: Order) {
  const compensation = compensationOf(order);
  return {
    orderId: order.orderId,
    status: order.status,
    ...(order.reason ? { reason: order.reason } : {}),
    ...(order.problems ? { problems: order.problems } : {}),
    items: (order.items ?? []).map(({ sku, name, quantity, unitPrice, lineTotal }) => ({
      sku,
      name,
      quantity,
      unitPrice,
      lineTotal,
    })),
    ...(order.total !== undefined ? { total: order.total } : {}),
    ...(order.currency ? { currency: order.currency } : {}),
    ...(order.customer ? { customer: order.customer } : {}),
    history: order.history.map(({ status, at, reason, event, redriveCount }) => ({
      status,
      at,
      ...(reason ? { reason } : {}),
      ...(event ? { event } : {}),
      ...(redriveCount !== undefined ? { redriveCount } : {}),
    })),
    ...(compensation ? { compensation } : {}),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

export interface OrderMessage {
  subject: string;
  text: string;
  attributes: { eventType: string; orderId: string; customerEmail?: string };
}

const REASON_TEXT: Record<RejectionReason, string> = {
  PAYMENT_DECLINED: 'the payment was declined',
  OUT_OF_STOCK: 'some items are out of stock',
  INVALID_ORDER: 'the order could not be accepted as sent',
};

function lineText(order: Order): string[] {
  const currency = order.currency ?? '';
  return (order.items ?? []).map(
    (line) => `  ${line.quantity} x ${line.name} (${line.sku}) @ ${formatMoney({ amount: line.unitPrice, currency })} = ${formatMoney({ amount: line.lineTotal, currency })}`,
  );
}

/** The readable message for each notice kind: subject, text and the SNS message attributes. */
export function renderNotice(kind: NoticeKind, order: Order, detail?: string): OrderMessage {
  const greeting = order.customer ? `Hello ${order.customer.name},` : 'Hello,';
  const total = order.total !== undefined && order.currency ? formatMoney({ amount: order.total, currency: order.currency }) : undefined;
  const attributes = {
    eventType: `Order${kind === 'confirmation' ? 'Confirmed' : kind === 'rejection' ? 'Rejected' : 'Failed'}`,
    orderId: order.orderId,
    ...(order.customer ? { customerEmail: order.customer.email } : {}),
  };
  if (kind === 'confirmation') {
    return {
      subject: `Order ${order.orderId} confirmed`,
      text: [greeting, '', `Your order ${order.orderId} is confirmed.`, '', ...lineText(order), '', `Total: ${total}`].join('\n'),
      attributes,
    };
  }
  if (kind === 'rejection') {
    const why = order.reason ? REASON_TEXT[order.reason] : 'it could not be accepted';
    return {
      subject: `Order ${order.orderId} not accepted`,
      text: [greeting, '', `We could not accept your order ${order.orderId}: ${why}.`, ...(detail ? ['', detail] : []), '', 'You have not been charged.'].join('\n'),
      attributes,
    };
  }
  return {
    subject: `Order ${order.orderId} could not be completed`,
    text: [greeting, '', `Something went wrong while processing your order ${order.orderId}.`, 'Any payment authorization has been voided and you have not been charged.'].join('\n'),
    attributes,
  };
}
