// Mocked AWS clients for unit tests. mockClient(Class) stubs the class's prototype `send`, so it intercepts the
// instances lib/clients.ts builds at handler import too (see tests/unit/lib/clients.test.ts).
import 'aws-sdk-client-mock-vitest/extend';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { marshall } from '@aws-sdk/util-dynamodb';

export const ddbMock = mockClient(DynamoDBDocumentClient);
export const snsMock = mockClient(SNSClient);
export const sfnMock = mockClient(SFNClient);

export function resetAwsMocks(): void {
  ddbMock.reset();
  snsMock.reset();
  sfnMock.reset();
}

/**
 * What DynamoDB answers to a failed condition. With ReturnValuesOnConditionCheckFailure=ALL_OLD the item comes
 * back in DynamoDB's attribute-value form ({S: …}, {N: …}): the document client unmarshalls results, not errors.
 */
export function conditionFailed(item?: object): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    ...(item ? { Item: marshall(item as Record<string, unknown>, { removeUndefinedValues: true }) } : {}),
  });
}

export function transactionCanceled(codes: string[]): TransactionCanceledException {
  const reasons: CancellationReason[] = codes.map((Code) => ({ Code, ...(Code === 'None' ? {} : { Message: Code }) }));
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: reasons,
  });
}

/** An AWS SDK error as the client throws it: a name and the HTTP status in $metadata. */
export function awsError(name: string, httpStatusCode: number, message = `${name} from AWS`): Error {
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
