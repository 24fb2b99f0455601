// A recording proxy in front of DynamoDB Local, on 127.0.0.1: every request is passed on as it came and answered
// with DynamoDB Local's own answer, and, while a label is set, kept with that label (operation, body, the status
// and error code of the answer). A local stack pointed at it (its dynamodbEndpoint) sends it both kinds of DynamoDB
// traffic an order makes: the handlers' SDK calls (AWS_ENDPOINT_URL_DYNAMODB) and the engine's own dynamodb:* tasks.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { closeServer, listenOn } from '../../local/stack/httpServers.ts';

export interface RecordedRequest {
  /** `GetItem`, `TransactWriteItems`, ... (X-Amz-Target after `DynamoDB_20120810.`). */
  operation: string;
  /** The tables it names (TableName, RequestItems, TransactItems[*].*.TableName). */
  tables: string[];
  body: string;
  /** The answer: HTTP status and, for an error, its code (`ConditionalCheckFailedException`). */
  status: number;
  errorCode?: string;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';

/** The table names a DynamoDB request body names. */
export function tablesOf(body: string): string[] {
  const parsed = JSON.parse(body) as {
    TableName?: string;
    RequestItems?: Record<string, unknown>;
    TransactItems?: Array<Record<string, { TableName?: string }>>;
  };
  const names = new Set<string>();
  if (parsed.TableName) names.add(parsed.TableName);
  for (const name of Object.keys(parsed.RequestItems ?? {})) names.add(name);
  for (const item of parsed.TransactItems ?? []) for (const action of Object.values(item)) if (action.TableName) names.add(action.TableName);
  return [...names];
}

/** The code of a DynamoDB error answer (`com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException` -> after the #). */
export function errorCodeOf(body: string): string | undefined {
  try {
    const type = (JSON.parse(body) as { __type?: unknown }).__type;
    return typeof type === 'string' ? type.slice(type.indexOf('#') + 1) : undefined;
  } catch {
    return undefined;
  }
}

function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolveBody(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

export class DynamoDbRecorder {
  readonly recorded = new Map<string, RecordedRequest[]>();
  /** Requests passed on while no label was set (seeding, table creation, the consistency scans). */
  unlabelled = 0;
  private label: string | undefined;
  private server: Server | undefined;
  url = '';

  constructor(private readonly target: string) {}

  /** Keeps the requests from now on under `label` (undefined: passes them on without keeping them). */
  record(label: string | undefined): void {
    this.label = label;
  }

  async listen(): Promise<string> {
    const target = new URL(this.target);
    const server = createServer((incoming, outgoing) => {
      void (async () => {
        const body = await readBody(incoming);
        const label = this.label;
        const forwarded = request(
          { host: target.hostname, port: target.port, path: incoming.url, method: incoming.method, headers: incoming.headers },
          (answer) => {
            void readBody(answer).then((answerBody) => {
              outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
              outgoing.end(answerBody);
              const operation = String(incoming.headers['x-amz-target'] ?? '');
              if (label === undefined || !operation.startsWith(TARGET_PREFIX)) {
                this.unlabelled += 1;
                return;
              }
              const text = body.toString('utf8');
              const status = answer.statusCode ?? 500;
              const errorCode = status >= 400 ? errorCodeOf(answerBody.toString('utf8')) : undefined;
              const list = this.recorded.get(label) ?? [];
              list.push({ operation: operation.slice(TARGET_PREFIX.length), tables: tablesOf(text), body: text, status, ...(errorCode ? { errorCode } : {}) });
              this.recorded.set(label, list);
            });
          },
        );
        forwarded.on('error', (error) => {
          outgoing.writeHead(502, { 'content-type': 'text/plain' });
          outgoing.end(`recorder: DynamoDB Local did not answer: ${error.message}`);
        });
        forwarded.end(body);
      })();
    });
    this.server = server;
    this.url = `http://127.0.0.1:${await listenOn(server, 0, '127.0.0.1')}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }
}
