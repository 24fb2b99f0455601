// The default PaymentGateway: a deterministic simulator with card-provider test tokens and its own ledger
// (the Payments table), so authorizations and voids can be audited like a real provider's.
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { OrderStateConflict, PaymentDeclined, TransientError } from '../domain/errors.ts';
import type { Money } from '../domain/money.ts';
import { simulatedOutcome, type Authorization, type PaymentGateway } from '../domain/payments.ts';
import { itemOf } from './conditionFailure.ts';

/** One authorization per order: the id derives from the orderId, like a provider's idempotency key. */
export function authorizationIdFor(orderId: string): string {
  return `auth_${createHash('sha256').update(orderId).digest('hex').slice(0, 24)}`;
}

export class SimulatedPaymentGateway implements PaymentGateway {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  async authorize({ orderId, amount, token }: { orderId: string; amount: Money; token: string }): Promise<Authorization> {
    const outcome = simulatedOutcome(token);
    if (outcome.outcome === 'decline') throw new PaymentDeclined(outcome.message, outcome.declineCode);
    if (outcome.outcome === 'transient') throw new TransientError(outcome.message);
    const authorization: Authorization = {
      authorizationId: authorizationIdFor(orderId),
      orderId,
      amount: amount.amount,
      currency: amount.currency,
      status: 'AUTHORIZED',
      createdAt: this.now(),
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: authorization,
          ConditionExpression: 'attribute_not_exists(authorizationId)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return authorization;
    } catch (error) {
      const existing = error instanceof ConditionalCheckFailedException ? itemOf<Authorization>(error) : undefined;
      if (!existing) throw error;
      if (existing.amount !== amount.amount || existing.currency !== amount.currency) {
        throw new OrderStateConflict(`Order ${orderId} was already authorized for a different amount`);
      }
      return existing;
    }
  }

  async findByOrder(orderId: string): Promise<Authorization | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { authorizationId: authorizationIdFor(orderId) }, ConsistentRead: true }),
    );
    return Item as Authorization | undefined;
  }

  async void(authorizationId: string): Promise<Authorization> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { authorizationId },
          UpdateExpression: 'SET #status = :voided, voidedAt = :now',
          ConditionExpression: '#status = :authorized',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':voided': 'VOIDED', ':authorized': 'AUTHORIZED', ':now': this.now() },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return Attributes as Authorization;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = itemOf<Authorization>(error);
      if (!existing) throw new OrderStateConflict(`No authorization ${authorizationId} to void`);
      return existing; // voided before: nothing more to do
    }
  }
}
