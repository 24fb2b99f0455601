// Orders in DynamoDB. Every status change is one conditional write that also appends to `history`, so a
// re-run either finds the order already moved (and changes nothing) or fails loudly.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OrderStateConflict } from '../domain/errors.ts';
import {
  FINAL_STATUSES,
  OrderStatus,
  statusesBefore,
  type CompensationStep,
  type NoticeKind,
  type Order,
  type RejectionReason,
} from '../domain/order.ts';
import type { Authorization } from '../domain/payments.ts';
import { itemOf } from './conditionFailure.ts';

/** The statuses compensation may start in: any but a final one. */
const COMPENSABLE_STATUSES = Object.values(OrderStatus).filter((status) => !FINAL_STATUSES.includes(status));

const NOTICE_ATTRIBUTE: Record<NoticeKind, 'confirmationNotice' | 'rejectionNotice' | 'failureNotice'> = {
  confirmation: 'confirmationNotice',
  rejection: 'rejectionNotice',
  failure: 'failureNotice',
};

export class OrderRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(orderId: string): Promise<Order | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { orderId }, ConsistentRead: true }),
    );
    return Item as Order | undefined;
  }

  /** Stores a new order once. A second call for the same orderId changes nothing and returns what is stored. */
  async create(order: Order): Promise<{ created: boolean; order: Order }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: order,
          ConditionExpression: 'attribute_not_exists(orderId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true, order };
    } catch (error) {
      const existing = error instanceof ConditionalCheckFailedException ? itemOf<Order>(error) : undefined;
      if (existing) return { created: false, order: existing };
      throw error;
    }
  }

  /**
   * Moves an order to `to` from any status allowed before it, appending to history and setting `fields`.
   * 'already' when the order is in `to` already (a re-run); OrderStateConflict otherwise.
   */
  async moveTo(
    orderId: string,
    to: OrderStatus,
    options: { now: string; reason?: RejectionReason; fields?: Record<string, unknown> },
  ): Promise<'moved' | 'already'> {
    const from = statusesBefore(to);
    const names: Record<string, string> = { '#status': 'status', '#history': 'history', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = {
      ':to': to,
      ':now': options.now,
      ':entry': [{ status: to, at: options.now, ...(options.reason ? { reason: options.reason } : {}) }],
    };
    const sets = ['#status = :to', '#updatedAt = :now', '#history = list_append(#history, :entry)'];
    const fields = { ...(options.reason ? { reason: options.reason } : {}), ...options.fields };
    Object.entries(fields).forEach(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    from.forEach((status, i) => (values[`:from${i}`] = status));
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `#status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'moved';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = itemOf<Order>(error);
      if (current?.status === to) return 'already';
      const conflict = new OrderStateConflict(
        current
          ? `Order ${orderId} is ${current.status}; it cannot become ${to}`
          : `Order ${orderId} does not exist; it cannot become ${to}`,
      );
      conflict.currentStatus = current?.status;
      throw conflict;
    }
  }

  /** RECEIVED -> PAYMENT_APPROVED with the authorization kept on the order (never the card token). */
  async recordAuthorization(auth: Authorization, now: string): Promise<'moved' | 'already'> {
    const payment = { authorizationId: auth.authorizationId, status: 'AUTHORIZED', amount: auth.amount, currency: auth.currency };
    return this.moveTo(auth.orderId, 'PAYMENT_APPROVED', { now, fields: { payment } });
  }

  /**
   * Marks the order's payment VOIDED, if the order exists and holds that authorization not yet voided: a re-run
   * of the void finds it VOIDED and leaves the record (and its voidedAt) as it is.
   */
  async recordVoid(orderId: string, authorizationId: string, now: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: 'SET payment.#status = :voided, payment.voidedAt = :now, updatedAt = :now',
          ConditionExpression: 'payment.authorizationId = :id AND payment.#status <> :voided',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':voided': 'VOIDED', ':now': now, ':id': authorizationId },
        }),
      );
    } catch (error) {
      // The order never recorded this authorization (the authorize reply was lost), or recorded its void
      // already (a re-run): the provider's void stands.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Claims the right to publish a notice: true when this caller should publish, false when it was SENT
   * already. A PENDING or FAILED claim from an earlier attempt is taken over: that attempt did not finish.
   */
  async claimNotice(orderId: string, kind: NoticeKind, now: string): Promise<boolean> {
    const attribute = NOTICE_ATTRIBUTE[kind];
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: 'SET #notice = :pending, updatedAt = :now',
          ConditionExpression: 'attribute_exists(orderId) AND (attribute_not_exists(#notice) OR #notice.#status <> :sent)',
          ExpressionAttributeNames: { '#notice': attribute, '#status': 'status' },
          ExpressionAttributeValues: { ':pending': { status: 'PENDING', claimedAt: now }, ':sent': 'SENT', ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!error.Item) throw new OrderStateConflict(`Order ${orderId} does not exist; no ${kind} notice to send`);
      return false;
    }
  }

  async markNoticeSent(orderId: string, kind: NoticeKind, messageId: string, now: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { orderId },
        UpdateExpression: 'SET #notice = :sent, updatedAt = :now',
        ExpressionAttributeNames: { '#notice': NOTICE_ATTRIBUTE[kind] },
        ExpressionAttributeValues: { ':sent': { status: 'SENT', messageId, sentAt: now }, ':now': now },
      }),
    );
  }

  /**
   * Starts compensation on a stored order that is not final: the steps still to run (`steps`), the error that
   * started it and when. Once: false when it was started before (a retry, a redrive) or the order is final or
   * was never stored.
   */
  async beginCompensation(orderId: string, steps: readonly CompensationStep[], error: string, now: string): Promise<boolean> {
    const values: Record<string, unknown> = { ':compensation': { error, since: now }, ':steps': steps, ':now': now };
    COMPENSABLE_STATUSES.forEach((status, i) => (values[`:s${i}`] = status));
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: 'SET compensation = :compensation, compensationRemaining = :steps, updatedAt = :now',
          ConditionExpression: `attribute_exists(orderId) AND attribute_not_exists(compensationRemaining) AND #status IN (${COMPENSABLE_STATUSES.map((_, i) => `:s${i}`).join(', ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Takes a done step off the order's remaining compensation (`remaining`: the list as read). The removal is
   * conditional on the step still being at that place, so a retry or a re-run changes nothing.
   */
  async completeCompensationStep(orderId: string, step: CompensationStep, remaining: readonly CompensationStep[], now: string): Promise<void> {
    const at = remaining.indexOf(step);
    if (at < 0) return;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: `SET updatedAt = :now REMOVE compensationRemaining[${at}]`,
          ConditionExpression: `compensationRemaining[${at}] = :step`,
          ExpressionAttributeValues: { ':step': step, ':now': now },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * Appends a REDRIVEN entry to the history (the order's status, when, the redrive count), once per redrive: the
   * first task of a redrive records it, a retry or a later task of the same redrive finds it recorded. False when
   * it was, or the order was never stored.
   */
  async recordRedrive(orderId: string, redriveCount: number, status: OrderStatus, now: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { orderId },
          UpdateExpression: 'SET redriveCount = :count, #history = list_append(#history, :entry), updatedAt = :now',
          ConditionExpression: 'attribute_exists(orderId) AND (attribute_not_exists(redriveCount) OR redriveCount < :count)',
          ExpressionAttributeNames: { '#history': 'history' },
          ExpressionAttributeValues: {
            ':count': redriveCount,
            ':entry': [{ status, at: now, event: 'REDRIVEN', redriveCount }],
            ':now': now,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
