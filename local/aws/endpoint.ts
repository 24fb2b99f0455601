// The AWS endpoint the handlers' SDK clients are pointed at (AWS_ENDPOINT_URL_SFN / _SNS, and AWS_ENDPOINT_URL as a
// catch-all so nothing can reach real AWS): Step Functions over the local engine, SNS Publish into the outbox.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  describeExecutionResponse,
  parseForm,
  parseJsonBody,
  parsePublish,
  publishResponseXml,
  queryErrorXml,
  sfnErrorBody,
  sfnOperation,
  signingService,
  startExecutionResponse,
  WireError,
} from './wire.ts';
import { StepFunctionsError } from '../engine/executions.ts';
import { TopicNotFoundError, type Outbox } from '../stack/outbox.ts';
import type { LocalStepFunctions } from '../engine/stepFunctions.ts';

interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export class AwsEndpoints {
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly stepFunctions: LocalStepFunctions,
    private readonly outbox: Outbox,
  ) {}

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address();
    this.url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Answers one request (exported for tests: method, headers lower-cased, body text). */
  answer(headers: Record<string, string | undefined>, body: string): Reply {
    const requestId = randomUUID();
    const operation = sfnOperation(headers['x-amz-target']);
    if (operation !== undefined) return this.stepFunctionsReply(operation, body, requestId);
    const service = signingService(headers.authorization);
    const form = (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? parseForm(body) : undefined;
    if (form && (service === 'sns' || (service === undefined && form.get('Version') === '2010-03-31'))) {
      return this.snsReply(form, requestId);
    }
    return {
      status: 400,
      contentType: 'application/json',
      headers: { 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': 'UnknownOperationException' },
      body: JSON.stringify({
        __type: 'UnknownOperationException',
        message: `The local stack does not emulate ${service ?? 'this service'}${headers['x-amz-target'] ? ` (${headers['x-amz-target']})` : ''}; only Step Functions, SNS Publish and DynamoDB (DynamoDB Local) are local.`,
      }),
    };
  }

  private stepFunctionsReply(operation: string, body: string, requestId: string): Reply {
    const json = (status: number, payload: string, errorType?: string): Reply => ({
      status,
      contentType: 'application/x-amz-json-1.0',
      headers: { 'x-amzn-RequestId': requestId, ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}) },
      body: payload,
    });
    try {
      const request = parseJsonBody(body);
      switch (operation) {
        case 'StartExecution': {
          const { record } = this.stepFunctions.startExecution({
            ...(typeof request.stateMachineArn === 'string' ? { stateMachineArn: request.stateMachineArn } : {}),
            ...(typeof request.name === 'string' ? { name: request.name } : {}),
            ...(typeof request.input === 'string' ? { input: request.input } : {}),
          });
          return json(200, JSON.stringify(startExecutionResponse(record)));
        }
        case 'DescribeExecution': {
          if (typeof request.executionArn !== 'string') throw new WireError('InvalidArn', 'Invalid Arn: executionArn is required');
          return json(200, JSON.stringify(describeExecutionResponse(this.stepFunctions.describeExecution(request.executionArn))));
        }
        default:
          throw new WireError('UnknownOperationException', `The local stack does not emulate Step Functions ${operation}`);
      }
    } catch (error) {
      if (error instanceof StepFunctionsError || error instanceof WireError) {
        return json(error instanceof StepFunctionsError ? error.statusCode : error.statusCode, sfnErrorBody(error.name, error.message), error.name);
      }
      return json(500, sfnErrorBody('InternalFailure', (error as Error).message), 'InternalFailure');
    }
  }

  private snsReply(form: Map<string, string>, requestId: string): Reply {
    const xml = (status: number, body: string): Reply => ({
      status,
      contentType: 'text/xml',
      headers: { 'x-amzn-RequestId': requestId },
      body,
    });
    try {
      const action = form.get('Action');
      if (action !== 'Publish') throw new WireError('InvalidAction', `The local stack does not emulate SNS ${action ?? '(no Action)'}; only Publish`);
      const published = this.outbox.publish(parsePublish(form));
      return xml(200, publishResponseXml(published.messageId, requestId));
    } catch (error) {
      if (error instanceof WireError) return xml(error.statusCode, queryErrorXml(error, requestId));
      if (error instanceof TopicNotFoundError) return xml(404, queryErrorXml(new WireError('NotFound', error.message, 404), requestId));
      return xml(500, queryErrorXml(new WireError('InternalError', (error as Error).message, 500, 'Receiver'), requestId));
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(',') : value;
    const reply = this.answer(headers, Buffer.concat(chunks).toString('utf8'));
    const body = Buffer.from(reply.body, 'utf8');
    res.writeHead(reply.status, { 'Content-Type': reply.contentType, 'Content-Length': String(body.length), ...reply.headers });
    res.end(body);
  }
}
