// Counts the DynamoDB request units every request would consume on AWS: an HTTP proxy in front of DynamoDB Local
// that the whole local stack uses as its DynamoDB endpoint (handlers, the engine's direct dynamodb tasks, seeding),
// so nothing in the service is changed to be measured.
//
// Single-item requests and batches: the proxy adds ReturnConsumedCapacity=TOTAL and reads the ConsumedCapacity of
// the answer, which DynamoDB Local 3.3 computes as AWS documents it (checked when this was written: a 2.5 KB put is
// 3 write units, an update of one attribute of it 3 - the whole item counts -, an eventually consistent read of it
// 0.5, a strongly consistent one 1, a two-item strongly consistent BatchGetItem 2). Two cases it does not, which are
// counted here by AWS's rules (DynamoDB developer guide, "DynamoDB read and write operations" and "Capacity
// management for transactions"), sizing items by reading them straight from DynamoDB Local (unmetered):
// - transactions: AWS bills two units per item, "one to prepare the transaction and one to commit" (three 500-byte
//   items: six write units); DynamoDB Local reports 2 for one, two or three small items in one table;
// - a write whose condition fails: its answer carries no ConsumedCapacity, but "DynamoDB will still consume write
//   capacity units from the table: for an existing item, the number ... depends on the size of the new item ...
//   For a new item, DynamoDB will consume one write capacity unit".
// The answers the service sees are DynamoDB Local's, unchanged.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { closeServer, listenOn } from '../../local/stack/httpServers.ts';

const TARGET_PREFIX = 'DynamoDB_20120810.';
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const KB = 1024;

/** A DynamoDB attribute value in the wire (DynamoDB JSON) form. */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: boolean }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> };
export type Item = Record<string, AttributeValue>;

/**
 * An item's size by AWS's rules (DynamoDB developer guide, "DynamoDB item sizes and formats"): attribute names and
 * values in UTF-8 bytes; a number is 1 byte per two significant digits plus 1; binary its raw bytes; null and
 * boolean 1 byte; a list or map 3 bytes plus 1 byte per element plus its elements; a set the sum of its elements.
 */
export function itemSizeBytes(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name, 'utf8') + valueSize(value);
  return size;
}

function numberSize(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if ('S' in value) return Buffer.byteLength(value.S, 'utf8');
  if ('N' in value) return numberSize(value.N);
  if ('B' in value) return Buffer.from(value.B, 'base64').length;
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('SS' in value) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s, 'utf8'), 0);
  if ('NS' in value) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if ('BS' in value) return value.BS.reduce((sum, b) => sum + Buffer.from(b, 'base64').length, 0);
  if ('L' in value) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSize(element), 0);
  if ('M' in value) return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + Buffer.byteLength(name, 'utf8') + valueSize(element), 0);
  throw new Error(`not a DynamoDB attribute value: ${JSON.stringify(value)}`);
}

/** Write units of one item write: its size rounded up to the next 1 KB, at least 1. */
export function writeUnitsFor(sizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / KB));
}

/** One DynamoDB request as metered. */
export interface MeteredRequest {
  operation: string;
  /** performance.now() when the request arrived (to tell which invocation made it). */
  atMs: number;
  /** Units per table name, read and write. */
  tables: Record<string, { read: number; write: number }>;
  readUnits: number;
  writeUnits: number;
  /** The error's name when DynamoDB answered one (e.g. ConditionalCheckFailedException). */
  error?: string;
  /** How the units were found: DynamoDB Local's ConsumedCapacity, or AWS's rules applied here (a failed condition). */
  source: 'ConsumedCapacity' | 'rules' | 'none';
}

interface ConsumedCapacity {
  TableName?: string;
  CapacityUnits?: number;
}

interface TransactionItem {
  kind: string;
  table: string;
  key: Item | undefined;
  put: Item | undefined;
  before: Item | undefined;
}

interface Forwarded {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export class DynamoDbMeter {
  readonly requests: MeteredRequest[] = [];
  private server: Server | undefined;
  private target!: URL;

  /** Starts the proxy on 127.0.0.1 (a free port) in front of `dynamodbEndpoint`; resolves with the proxy's URL. */
  async listen(dynamodbEndpoint: string): Promise<string> {
    this.target = new URL(dynamodbEndpoint);
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void this.handle(req.headers, Buffer.concat(chunks)).then(
          (answer) => {
            const headers = { ...answer.headers };
            delete headers['transfer-encoding'];
            delete headers.connection;
            headers['content-length'] = String(answer.body.length);
            res.writeHead(answer.status, headers);
            res.end(answer.body);
          },
          (error: Error) => {
            res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
            res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: `metering proxy: ${error.message}` }));
          },
        );
      });
    });
    this.server = server;
    return `http://127.0.0.1:${await listenOn(server, 0, '127.0.0.1')}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await closeServer(server);
  }

  /** The requests metered from `from` (an index into `requests`) on. */
  since(from: number): MeteredRequest[] {
    return this.requests.slice(from);
  }

  private async handle(headers: IncomingHttpHeaders, body: Buffer): Promise<Forwarded> {
    const atMs = performance.now();
    const target = String(headers['x-amz-target'] ?? '');
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const metered = READ_OPERATIONS.has(operation) || WRITE_OPERATIONS.has(operation);
    if (!metered) return this.forward(headers, body);
    const input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const asked = input.ReturnConsumedCapacity !== undefined && input.ReturnConsumedCapacity !== 'NONE';
    const sent = asked ? body : Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: 'TOTAL' }), 'utf8');
    const transaction = operation === 'TransactWriteItems' || operation === 'TransactGetItems' ? await this.transactionItems(headers, input) : undefined;
    const answer = await this.forward(headers, sent);
    const output = JSON.parse(answer.body.toString('utf8') || '{}') as Record<string, unknown>;
    const write = WRITE_OPERATIONS.has(operation);
    const record: MeteredRequest = { operation, atMs, tables: {}, readUnits: 0, writeUnits: 0, source: 'none' };
    const add = (table: string, units: number) => {
      const entry = (record.tables[table] ??= { read: 0, write: 0 });
      if (write) {
        entry.write += units;
        record.writeUnits += units;
      } else {
        entry.read += units;
        record.readUnits += units;
      }
    };
    if (transaction) {
      for (const [table, units] of await this.transactionUnits(headers, transaction, write, answer.status === 200)) add(table, units);
      record.source = 'rules';
      if (answer.status !== 200) record.error = String(output.__type ?? '').split('#').pop() ?? '';
    } else if (answer.status === 200) {
      const consumed = output.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined;
      for (const entry of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) add(entry.TableName ?? '?', entry.CapacityUnits ?? 0);
      record.source = 'ConsumedCapacity';
    } else {
      const error = String(output.__type ?? '').split('#').pop() ?? '';
      record.error = error;
      const charged = await this.failedConditionUnits(headers, operation, input, error);
      for (const [table, units] of charged) add(table, units);
      if (charged.length > 0) record.source = 'rules';
    }
    this.requests.push(record);
    return answer;
  }

  /**
   * Write units AWS bills for a single write whose condition failed: the new item's size when the item exists (for
   * an update or a delete, the stored item's size stands for it: nothing was applied), 1 when it does not.
   */
  private async failedConditionUnits(headers: IncomingHttpHeaders, operation: string, input: Record<string, unknown>, error: string): Promise<Array<[string, number]>> {
    if (error === 'ConditionalCheckFailedException' && (operation === 'PutItem' || operation === 'UpdateItem' || operation === 'DeleteItem')) {
      const table = String(input.TableName);
      if (operation === 'PutItem') return [[table, writeUnitsFor(itemSizeBytes(input.Item as Item))]];
      const stored = await this.storedItem(headers, table, input.Key as Item);
      return [[table, stored ? writeUnitsFor(itemSizeBytes(stored)) : 1]];
    }
    return [];
  }

  /** Each action of a transaction with its item as stored before it runs. */
  private async transactionItems(headers: IncomingHttpHeaders, input: Record<string, unknown>): Promise<TransactionItem[]> {
    const items: TransactionItem[] = [];
    for (const action of (input.TransactItems ?? []) as Array<Record<string, Record<string, unknown>>>) {
      const [kind, details] = Object.entries(action)[0]!;
      const table = String(details.TableName);
      const key = kind === 'Put' ? undefined : (details.Key as Item);
      items.push({ kind, table, key, put: kind === 'Put' ? (details.Item as Item) : undefined, before: key ? await this.storedItem(headers, table, key) : undefined });
    }
    return items;
  }

  /**
   * Units of a transaction, two per item ("Capacity management for transactions"): writes by 1 KB of the larger of
   * the item before and after (as UpdateItem and PutItem are billed), reads by 4 KB. A cancelled one is counted as if
   * it had gone through - the items as they are - since AWS documents no smaller figure for it: an upper bound.
   */
  private async transactionUnits(headers: IncomingHttpHeaders, items: TransactionItem[], write: boolean, applied: boolean): Promise<Array<[string, number]>> {
    const charged: Array<[string, number]> = [];
    for (const item of items) {
      const before = item.before ? itemSizeBytes(item.before) : 0;
      let after = before;
      if (applied && write && item.kind === 'Put' && item.put) after = itemSizeBytes(item.put);
      else if (applied && write && item.kind === 'Update' && item.key) {
        const stored = await this.storedItem(headers, item.table, item.key);
        after = stored ? itemSizeBytes(stored) : 0;
      } else if (!applied && item.kind === 'Put' && item.put) after = itemSizeBytes(item.put);
      const size = Math.max(before, after);
      charged.push([item.table, 2 * (write ? writeUnitsFor(size) : Math.max(1, Math.ceil(size / (4 * KB))))]);
    }
    return charged;
  }

  /** The stored item, read straight from DynamoDB Local (not metered: AWS does not bill this read). */
  private async storedItem(headers: IncomingHttpHeaders, table: string, key: Item): Promise<Item | undefined> {
    const answer = await this.forward(
      { ...headers, 'x-amz-target': `${TARGET_PREFIX}GetItem` },
      Buffer.from(JSON.stringify({ TableName: table, Key: key, ConsistentRead: true }), 'utf8'),
    );
    if (answer.status !== 200) return undefined;
    return (JSON.parse(answer.body.toString('utf8')) as { Item?: Item }).Item;
  }

  /** Sends the request to DynamoDB Local, which does not check signatures (a changed body is fine). */
  private forward(headers: IncomingHttpHeaders, body: Buffer): Promise<Forwarded> {
    const outgoing: Record<string, string> = { 'content-length': String(body.length) };
    for (const name of ['content-type', 'x-amz-target', 'authorization', 'x-amz-date', 'x-amz-security-token', 'user-agent']) {
      const value = headers[name];
      if (typeof value === 'string') outgoing[name] = value;
    }
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: this.target.hostname, port: this.target.port, path: '/', method: 'POST', headers: outgoing }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}
