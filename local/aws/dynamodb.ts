// DynamoDB on the local endpoint: every request (X-Amz-Target: DynamoDB_20120810.*) forwarded to DynamoDB Local,
// which answers in DynamoDB's own protocol. DynamoDB Local keeps one database per access key and region (unless
// -sharedDb), so the request's credential scope is rewritten to the stack's: whatever key the caller signs with,
// it sees the stack's tables. DynamoDB Local does not check signatures.
import { request } from 'node:http';
import { AWS_JSON, AwsError, jsonErrorReply, type Reply } from './protocol.ts';

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';

/** The Authorization header with its Credential scope's access key and region replaced. */
export function rescopeAuthorization(authorization: string | undefined, accessKeyId: string, region: string): string | undefined {
  return authorization?.replace(/Credential=[^/]+\/([^/]+)\/[^/]+\//, (_match, date: string) => `Credential=${accessKeyId}/${date}/${region}/`);
}

export class DynamoDbForwarder {
  constructor(
    private readonly endpoint: string,
    private readonly accessKeyId: string,
    private readonly region: string,
  ) {}

  forward(headers: Record<string, string | undefined>, body: string, requestId: string): Promise<Reply> {
    const target = new URL(this.endpoint);
    const outgoing: Record<string, string> = {
      'Content-Type': headers['content-type'] ?? AWS_JSON,
      'X-Amz-Target': headers['x-amz-target'] ?? '',
      'Content-Length': String(Buffer.byteLength(body)),
    };
    const authorization = rescopeAuthorization(headers.authorization, this.accessKeyId, this.region);
    if (authorization) outgoing.Authorization = authorization;
    if (headers['x-amz-date']) outgoing['X-Amz-Date'] = headers['x-amz-date'];
    return new Promise((resolve) => {
      const req = request({ host: target.hostname, port: target.port, path: '/', method: 'POST', headers: outgoing }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const passed: Record<string, string> = {};
          for (const name of ['x-amzn-requestid', 'x-amz-crc32']) {
            const value = res.headers[name];
            if (typeof value === 'string') passed[name] = value;
          }
          resolve({
            status: res.statusCode ?? 500,
            contentType: res.headers['content-type'] ?? AWS_JSON,
            headers: passed,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', (error) => resolve(unavailable(error, requestId)));
      });
      req.on('error', (error) => resolve(unavailable(error, requestId)));
      req.end(body);
    });
  }
}

function unavailable(error: Error, requestId: string): Reply {
  return jsonErrorReply(
    new AwsError('com.amazonaws.dynamodb.v20120810#InternalServerError', `DynamoDB Local did not answer: ${error.message}`, 500, 'Receiver'),
    requestId,
  );
}
