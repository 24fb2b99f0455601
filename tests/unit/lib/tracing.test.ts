// X-Ray as on AWS: with the environment Lambda gives a traced function (active tracing), the handlers' DynamoDB and
// SNS calls and the payment provider call each become a subsegment, sent to the X-Ray daemon. Here the daemon is a
// UDP socket on 127.0.0.1 and DynamoDB and SNS are a local HTTP stub, so the real SDK clients, their X-Ray
// middleware (Powertools captureAWSv3Client) and the PaymentGateway wrapper (lib/observability.ts traced) all run.
// - Lambda's variables: Lambda developer guide, "Defined runtime environment variables" (_X_AMZN_TRACE_ID,
//   AWS_XRAY_DAEMON_ADDRESS, AWS_EXECUTION_ENV, LAMBDA_TASK_ROOT, _HANDLER).
// - What the daemon receives, one UDP datagram per (sub)segment: a `{"format": "json", "version": 1}` header line,
//   then the segment document (X-Ray developer guide, "Sending segment documents to the X-Ray daemon"; fields:
//   "AWS X-Ray segment documents": name, id, parent_id, trace_id, namespace "aws", aws.operation, fault/error, cause).
// This file runs in its own process (vitest pool "forks"): the X-Ray SDK reads the environment when it loads.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { storedOrder } from '../support/fixtures.ts';
import { apiEvent, lambdaContext } from '../support/lambda.ts';

interface SegmentDocument {
  id: string;
  name: string;
  trace_id?: string;
  parent_id?: string;
  namespace?: string;
  aws?: { operation?: string; table_name?: string };
  annotations?: Record<string, unknown>;
  fault?: boolean;
  error?: boolean;
  cause?: { exceptions?: Array<{ type?: string; message?: string }> };
  subsegments?: SegmentDocument[];
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const received: SegmentDocument[] = [];
let daemon: Socket;
let stub: Server;
let handlers: Record<'validatePayment' | 'sendConfirmation', Handler>;
let observability: typeof import('../../../lib/observability.ts');

/** DynamoDB (JSON protocol, x-amz-target) and SNS (query protocol) answering just enough for the two handlers. */
function startStub(): Promise<string> {
  stub = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const target = request.headers['x-amz-target'];
      if (typeof target === 'string') {
        const operation = target.split('.')[1];
        const answer = operation === 'GetItem' ? { Item: marshall(storedOrder('ord-T', 'CONFIRMED'), { removeUndefinedValues: true }) } : {};
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(answer));
        return;
      }
      expect(new URLSearchParams(body).get('Action')).toBe('Publish');
      response
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(
          '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult>' +
            '<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>',
        );
    });
  });
  return new Promise((resolve) => stub.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(stub.address() as AddressInfo).port}`)));
}

function startDaemon(): Promise<number> {
  daemon = createSocket('udp4');
  daemon.on('message', (message) => {
    const [header, document] = message.toString('utf8').split('\n');
    expect(JSON.parse(header!)).toEqual({ format: 'json', version: 1 });
    received.push(JSON.parse(document!) as SegmentDocument);
  });
  return new Promise((resolve) => daemon.bind(0, '127.0.0.1', () => resolve(daemon.address().port)));
}

beforeAll(async () => {
  const [endpoint, daemonPort] = await Promise.all([startStub(), startDaemon()]);
  Object.assign(process.env, {
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    POWERTOOLS_TRACE_ENABLED: 'true', // the tests' default is false
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemonPort}`,
    AWS_XRAY_LOG_LEVEL: 'silent',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_ENDPOINT_URL_SNS: endpoint,
  });
  vi.resetModules();
  observability = await import('../../../lib/observability.ts');
  handlers = {
    validatePayment: ((await import('../../../functions/validatePayment/handler.ts')) as { handler: Handler }).handler,
    sendConfirmation: ((await import('../../../functions/sendConfirmation/handler.ts')) as { handler: Handler }).handler,
  };
});

afterAll(async () => {
  for (const key of ['LAMBDA_TASK_ROOT', 'AWS_EXECUTION_ENV', 'AWS_XRAY_DAEMON_ADDRESS', 'AWS_XRAY_LOG_LEVEL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SNS', '_X_AMZN_TRACE_ID', '_HANDLER']) {
    delete process.env[key];
  }
  process.env.POWERTOOLS_TRACE_ENABLED = 'false';
  await new Promise<void>((resolve) => stub.close(() => resolve()));
  await new Promise<void>((resolve) => daemon.close(() => resolve()));
});

let traceCounter = 0;
/** Invokes a handler as Lambda would in its own trace; returns that trace's subsegments, flattened, once it has `expected`. */
async function invokeTraced(fn: keyof typeof handlers, event: unknown, expected: string[]): Promise<{ result: unknown; segments: SegmentDocument[] }> {
  traceCounter += 1;
  const traceId = `1-67890abc-${String(traceCounter).padStart(24, '0')}`;
  process.env._X_AMZN_TRACE_ID = `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1`;
  process.env._HANDLER = `functions/${fn}/handler.handler`;
  const result = await handlers[fn](event, lambdaContext(`order-pipeline-prod-${fn}`));
  const inTrace = () => flatten(received).filter((segment) => segment.trace_id === traceId);
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !expected.every((name) => inTrace().some((segment) => segment.name === name))) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { result, segments: inTrace() };
}

function flatten(documents: SegmentDocument[], parent?: SegmentDocument): SegmentDocument[] {
  return documents.flatMap((document) => {
    const node = { ...document, ...(parent ? { parent_id: parent.id, trace_id: parent.trace_id } : {}) };
    return [node, ...flatten(document.subsegments ?? [], node)];
  });
}

const named = (segments: SegmentDocument[], name: string) => segments.filter((segment) => segment.name === name);
const payment = (token: string) =>
  apiEvent({ path: '/payments/validate', body: JSON.stringify({ orderId: 'ord-T', amount: 20480, currency: 'BRL', token }), apiKeyId: null });

describe('X-Ray subsegments, tracing on as on AWS', () => {
  it('the tracer is on', () => {
    expect(observability.tracer.isTracingEnabled()).toBe(true);
  });

  it('validatePayment: the handler (annotated with the orderId), the payment call, and its DynamoDB writes', async () => {
    const handler = '## functions/validatePayment/handler.handler';
    const { result, segments } = await invokeTraced('validatePayment', payment('tok_visa'), [handler, 'PaymentGateway.authorize', 'DynamoDB']);
    expect((result as APIGatewayProxyResult).statusCode).toBe(200);
    const [root] = named(segments, handler);
    expect(root?.annotations).toMatchObject({ orderId: 'ord-T' });
    const [authorize] = named(segments, 'PaymentGateway.authorize');
    expect(authorize?.parent_id, 'the payment call is part of the handler').toBe(root!.id);
    expect(authorize?.fault ?? false).toBe(false);
    const dynamoDb = named(segments, 'DynamoDB');
    // The authorization's conditional put is made inside the payment call; the order update after it.
    expect(dynamoDb.map((s) => ({ operation: s.aws?.operation, namespace: s.namespace, inPayment: s.parent_id === authorize!.id }))).toEqual(
      expect.arrayContaining([
        { operation: 'PutItem', namespace: 'aws', inPayment: true },
        { operation: 'UpdateItem', namespace: 'aws', inPayment: false },
      ]),
    );
  });

  it('a declined payment: the payment subsegment records the error', async () => {
    const { result, segments } = await invokeTraced('validatePayment', payment('tok_chargeDeclined'), ['PaymentGateway.authorize']);
    expect((result as APIGatewayProxyResult).statusCode).toBe(402);
    const [authorize] = named(segments, 'PaymentGateway.authorize');
    expect(authorize?.cause?.exceptions?.[0]).toMatchObject({ type: 'PaymentDeclined' });
  });

  it('sendConfirmation: DynamoDB reads and writes, and the SNS publish', async () => {
    const { segments } = await invokeTraced('sendConfirmation', { orderId: 'ord-T' }, ['DynamoDB', 'SNS']);
    expect(named(segments, 'SNS').map((s) => s.aws?.operation)).toEqual(['Publish']);
    expect(new Set(named(segments, 'DynamoDB').map((s) => s.aws?.operation))).toEqual(new Set(['UpdateItem', 'GetItem']));
  });
});
