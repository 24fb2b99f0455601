// The item DynamoDB returns with a failed condition (ReturnValuesOnConditionCheckFailure: ALL_OLD) comes in its
// attribute-value form ({S: …}, {N: …}): the document client unmarshalls results, never errors
// (aws/aws-sdk-js-v3#6723). This gives it back as the plain object the table holds.
import type { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export function itemOf<T>(error: ConditionalCheckFailedException): T | undefined {
  return error.Item ? (unmarshall(error.Item) as T) : undefined;
}
