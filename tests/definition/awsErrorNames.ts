// The error names AWS itself raises into a workflow's Retry/Catch, written once, each with where it comes from.
// A name matches in ErrorEquals only when it is exactly right, and nothing warns about a wrong one: every
// AWS-made name in the definition must be in these closed lists (tests/definition/errorHandling.test.ts).
//
// Sources, cited by key below:
const SOURCES = {
  /** LocalStack's AWS-validated recordings (real AWS responses), repository localstack/localstack. */
  dynamodbSnapshot: 'localstack/localstack tests/aws/services/stepfunctions/v2/error_handling/test_task_service_dynamodb.snapshot.json',
  awsSdkSnapshot: 'localstack/localstack tests/aws/services/stepfunctions/v2/error_handling/test_aws_sdk.snapshot.json',
  lambdaSnapshot: 'localstack/localstack tests/aws/services/stepfunctions/v2/error_handling/test_task_service_lambda.snapshot.json',
  /**
   * AWS SDK for Java v1, aws/aws-sdk-java aws-java-sdk-dynamodb/.../dynamodbv2/AmazonDynamoDBClient.java: the
   * table of DynamoDB error codes and the exception class each becomes (base class AmazonDynamoDBException), and
   * the classes' javadoc, docs.aws.amazon.com/AWSJavaSDK/latest/javadoc/com/amazonaws/services/dynamodbv2/model/.
   * The optimized integration names an error DynamoDB.<that class> (the snapshot above shows it for
   * ResourceNotFoundException, and AmazonDynamoDBException for ValidationException, which has no class).
   */
  javaV1: 'AWS SDK for Java v1 com.amazonaws.services.dynamodbv2 (AmazonDynamoDBClient error table, model javadoc)',
  /** Step Functions developer guide, "Best practices": "Handle transient Lambda service exceptions". */
  lambdaBestPractice: 'Step Functions developer guide, "Handle transient Lambda service exceptions"',
  /** Step Functions developer guide, "Error handling in Step Functions workflows", section "Error names". */
  statesErrorNames: 'Step Functions developer guide, "Error handling in Step Functions workflows" (Error names)',
} as const;

type Source = (typeof SOURCES)[keyof typeof SOURCES];

/**
 * `arn:aws:states:::dynamodb:*` (optimized): `DynamoDB.` + the Java v1 exception class. Error codes without a
 * class (ValidationException, ThrottlingException, ServiceUnavailable, ...) arrive as the base class
 * DynamoDB.AmazonDynamoDBException. Note `RequestLimitExceededException` (the code is RequestLimitExceeded) and
 * `InternalServerErrorException` (the code is InternalServerError); there is no DynamoDB.ThrottlingException.
 */
export const DYNAMODB_OPTIMIZED_ERRORS: ReadonlyMap<string, Source> = new Map([
  ['DynamoDB.ResourceNotFoundException', SOURCES.dynamodbSnapshot],
  ['DynamoDB.AmazonDynamoDBException', SOURCES.dynamodbSnapshot],
  ['DynamoDB.ConditionalCheckFailedException', SOURCES.javaV1],
  ['DynamoDB.ProvisionedThroughputExceededException', SOURCES.javaV1],
  ['DynamoDB.RequestLimitExceededException', SOURCES.javaV1],
  ['DynamoDB.InternalServerErrorException', SOURCES.javaV1],
  ['DynamoDB.TransactionConflictException', SOURCES.javaV1],
  ['DynamoDB.TransactionCanceledException', SOURCES.javaV1],
  ['DynamoDB.TransactionInProgressException', SOURCES.javaV1],
  ['DynamoDB.ItemCollectionSizeLimitExceededException', SOURCES.javaV1],
  ['DynamoDB.IdempotentParameterMismatchException', SOURCES.javaV1],
  ['DynamoDB.LimitExceededException', SOURCES.javaV1],
  ['DynamoDB.ResourceInUseException', SOURCES.javaV1],
]);

/**
 * `arn:aws:states:::aws-sdk:dynamodb:*`: `DynamoDb.` + the SDK v2 name. Only the recorded ones: add a name here
 * with its source before using it.
 */
export const DYNAMODB_SDK_ERRORS: ReadonlyMap<string, Source> = new Map([
  ['DynamoDb.ResourceNotFoundException', SOURCES.awsSdkSnapshot],
  ['DynamoDb.DynamoDbException', SOURCES.awsSdkSnapshot],
]);

/** `arn:aws:states:::lambda:invoke`: the Lambda service's own errors (a function's errors carry its own names). */
export const LAMBDA_ERRORS: ReadonlyMap<string, Source> = new Map([
  ['Lambda.ServiceException', SOURCES.lambdaBestPractice],
  ['Lambda.AWSLambdaException', SOURCES.lambdaBestPractice],
  ['Lambda.SdkClientException', SOURCES.lambdaBestPractice],
  ['Lambda.ClientExecutionTimeoutException', SOURCES.lambdaBestPractice],
  ['Lambda.TooManyRequestsException', SOURCES.lambdaBestPractice],
  ['Lambda.ResourceNotFoundException', SOURCES.lambdaSnapshot],
]);

/** The transient ones AWS's best practice says to retry on every lambda:invoke Task. */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
] as const;

/** The States Language's own names. */
export const STATES_ERRORS: ReadonlyMap<string, Source> = new Map(
  [
    'States.ALL',
    'States.BranchFailed',
    'States.DataLimitExceeded',
    'States.ExceedToleratedFailureThreshold',
    'States.HeartbeatTimeout',
    'States.Http.Socket',
    'States.IntrinsicFailure',
    'States.ItemReaderFailed',
    'States.NoChoiceMatched',
    'States.ParameterPathFailure',
    'States.Permissions',
    'States.QueryEvaluationError',
    'States.ResultPathMatchFailure',
    'States.ResultWriterFailed',
    'States.Runtime',
    'States.TaskFailed',
    'States.Timeout',
  ].map((name) => [name, SOURCES.statesErrorNames]),
);

/**
 * Terminal errors no Catch can handle, States.ALL included (same source): naming them in a Catch is a mistake
 * that hides the real exposure - e.g. a JSONPath that does not resolve fails the execution with States.Runtime.
 */
export const UNCATCHABLE_ERRORS = ['States.Runtime', 'States.DataLimitExceeded'] as const;
