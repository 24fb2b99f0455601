// Orders in DynamoDB. Every status change is one conditional write that also appends to `history`, so a
// re-run either finds the order already moved (and changes nothing) or fails loudly.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OrderStateConflict } from '../domain/errors.ts';
import {
  statusesBefore,
  type NoticeKind,
  type Order,
  type OrderStatus,
  type RejectionReason,
} from '../domain/order.ts';
import type { Authorization } from '../domain/payments.ts';
import { itemOf } from './conditionFailure.ts';

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
}
