// The local AWS endpoint: one URL (AWS_ENDPOINT_URL) for the handlers' SDK clients and for the user's own tools
// (AWS CLI, SDKs, `sls invoke stepf`). Requests are told apart the way AWS's protocols mark them:
// - awsJson1_0: X-Amz-Target `AWSStepFunctions.*` (Step Functions) or `DynamoDB_20120810.*` (to DynamoDB Local);
// - awsQuery: a form body whose SigV4 signing service, or else its `Version`, names SNS or CloudFormation.
// Anything else gets an AWS-shaped error naming what is emulated: never a crash, never a hang.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CLOUDFORMATION_API_VERSION, CLOUDFORMATION_XMLNS, type CloudFormationApi } from './cloudFormation.ts';
import { DYNAMODB_TARGET_PREFIX, type DynamoDbForwarder } from './dynamodb.ts';
import { AwsError, jsonErrorReply, jsonOperation, jsonReply, parseForm, parseJsonBody, queryErrorReply, signingService, type Reply } from './protocol.ts';
import { SNS_API_VERSION, SNS_XMLNS, type SnsApi } from './sns.ts';
import { SFN_TARGET_PREFIX, type StepFunctionsApi } from './stepFunctions.ts';
import { closeServer, listenOn } from '../stack/httpServers.ts';

/** The largest request body read: Step Functions' 256 KiB input plus its envelope, with room for DynamoDB's 16 MiB batches. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
export const EMULATED = 'Step Functions, SNS (Publish, ListTopics), CloudFormation (DescribeStacks) and DynamoDB (DynamoDB Local)';

/** The line to paste into a shell so that AWS tools talk to the local endpoint (AWS_DEFAULT_REGION: the AWS CLI v1 reads it). */
export function awsEnvironmentLine(url: string, region: string, accessKeyId: string): string {
  return `export AWS_ENDPOINT_URL=${url} AWS_REGION=${region} AWS_DEFAULT_REGION=${region} AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=local`;
}

export interface AwsServices {
  stepFunctions: StepFunctionsApi;
  sns: SnsApi;
  cloudFormation: CloudFormationApi;
  /** Absent until DynamoDB Local is known (tests may run the endpoint without it). */
  dynamodb?: DynamoDbForwarder;
}

export class AwsEndpoint {
  private server: Server | undefined;
  url = '';

  constructor(private readonly services: AwsServices) {}

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => void this.serve(req, res));
    this.server = server;
    const actual = await listenOn(server, port, host, `AWS endpoint port ${port} on ${host} is in use; pick another with --aws-port N`);
    this.url = `http://${host}:${actual}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  /** Answers one request: headers lower-cased, body as text (exported for tests). */
  async answer(method: string, headers: Record<string, string | undefined>, body: string): Promise<Reply> {
    const requestId = randomUUID();
    const target = headers['x-amz-target'];
    const sfnOperation = jsonOperation(target, SFN_TARGET_PREFIX);
    if (sfnOperation !== undefined) {
      try {
        return jsonReply(200, this.services.stepFunctions.call(sfnOperation, parseJsonBody(body)), requestId);
      } catch (error) {
        if (error instanceof AwsError) return jsonErrorReply(error, requestId);
        return jsonErrorReply(new AwsError('InternalFailure', (error as Error).message, 500, 'Receiver'), requestId);
      }
    }
    if (jsonOperation(target, DYNAMODB_TARGET_PREFIX) !== undefined) {
      if (this.services.dynamodb) return this.services.dynamodb.forward(headers, body, requestId);
      return jsonErrorReply(new AwsError('UnknownOperationException', 'DynamoDB Local is not running behind this endpoint'), requestId);
    }
    const service = signingService(headers.authorization);
    const isForm = (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (method === 'POST' && isForm) {
      const form = parseForm(body);
      const version = form.get('Version');
      if (service === 'sns' || (service === undefined && version === SNS_API_VERSION)) return this.services.sns.answer(form, requestId);
      if (service === 'cloudformation' || (service === undefined && version === CLOUDFORMATION_API_VERSION)) {
        return this.services.cloudFormation.answer(form, requestId);
      }
      const xmlns = service === 'sns' ? SNS_XMLNS : CLOUDFORMATION_XMLNS;
      return queryErrorReply(new AwsError('InvalidAction', `The local stack does not emulate ${service ?? 'this service'}; it emulates ${EMULATED}`), xmlns, requestId);
    }
    return jsonErrorReply(
      new AwsError('UnknownOperationException', `The local stack does not emulate ${service ?? target ?? 'this request'}; it emulates ${EMULATED}`),
      requestId,
    );
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_REQUEST_BYTES) throw new AwsError('RequestEntityTooLarge', `Request body over ${MAX_REQUEST_BYTES} bytes`, 413);
        chunks.push(chunk as Buffer);
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(',') : value;
      reply = await this.answer(req.method ?? 'GET', headers, Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      const aws = error instanceof AwsError ? error : new AwsError('InternalFailure', (error as Error).message, 500, 'Receiver');
      reply = jsonErrorReply(aws, randomUUID());
    }
    const body = Buffer.from(reply.body, 'utf8');
    res.writeHead(reply.status, { 'Content-Type': reply.contentType, 'Content-Length': String(body.length), ...reply.headers });
    res.end(body);
  }
}
