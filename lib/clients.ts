// AWS SDK clients, created once per Lambda container and traced. Endpoints come from the standard
// AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local runtime points them at DynamoDB Local.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { tracer } from './observability.ts';

let documentClient: DynamoDBDocumentClient | undefined;
let snsClient: SNSClient | undefined;
let sfnClient: SFNClient | undefined;

export function getDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function getSnsClient(): SNSClient {
  snsClient ??= tracer.captureAWSv3Client(new SNSClient({}));
  return snsClient;
}

export function getSfnClient(): SFNClient {
  sfnClient ??= tracer.captureAWSv3Client(new SFNClient({}));
  return sfnClient;
}
