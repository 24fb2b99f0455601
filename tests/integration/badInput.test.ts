// Every row of the README's bad-input table, through HTTP on the local stack (real API Gateway proxy events, the
// real handlers): a 4xx JSON error {error, message, details} naming the field, never a 5xx, no execution started
// and nothing written. The same bodies sent as direct execution input (as `sls invoke stepf` would) end
// REJECTED / INVALID_ORDER, never FAILED.
import { beforeAll, describe, expect, it } from 'vitest';
import { takeSnapshot } from '../../local/consistency/snapshot.ts';
import { useLocalStack } from '../support/localStack.ts';

const stack = useLocalStack();

const valid = () => ({
  customer: { id: 'cust-1', email: 'ana@example.com', name: 'Ana Souza' },
  items: [{ sku: 'SKU-1', quantity: 1 }],
  payment: { token: 'tok_visa' },
});
type Body = Record<string, unknown> & ReturnType<typeof valid>;
const withOrder = (change: (order: Body) => void): string => {
  const order = valid() as Body;
  change(order);
  return JSON.stringify(order);
};
const line = (quantity: unknown) => withOrder((o) => (o.items = [{ sku: 'SKU-1', quantity } as never]));

interface Row {
  input: string;
  /** The raw body sent (JSON text, or not). */
  body: string | Uint8Array;
  headers?: Record<string, string>;
  status: number;
  error: string;
  /** The path `details` must name. */
  path: string;
  /** Also sent as direct execution input (false: the row is about HTTP only). */
  direct?: boolean;
}

const validText = JSON.stringify(valid());
// The body must be more than 32 KiB and still a valid order but for its size.
const oversized = withOrder((o) => (o.customer.name = 'A'.repeat(33 * 1024)));

const POST_ROWS: Row[] = [
  { input: 'malformed JSON', body: '{"customer": {"id": "c1",', status: 400, error: 'MalformedJson', path: 'body' },
  { input: 'empty body', body: '', status: 400, error: 'ValidationError', path: 'body' },
  { input: 'array body', body: `[${validText}]`, status: 400, error: 'ValidationError', path: '(body)', direct: true },
  { input: 'JSON null body', body: 'null', status: 400, error: 'ValidationError', path: '(body)', direct: true },
  { input: 'wrong content type (text/plain)', body: validText, headers: { 'content-type': 'text/plain' }, status: 415, error: 'UnsupportedMediaType', path: 'headers.content-type' },
  { input: 'no content type', body: new TextEncoder().encode(validText), headers: {}, status: 415, error: 'UnsupportedMediaType', path: 'headers.content-type' },
  { input: 'missing field (customer)', body: withOrder((o) => delete (o as Partial<Body>).customer), status: 400, error: 'ValidationError', path: 'customer', direct: true },
  { input: 'missing nested field (payment.token)', body: withOrder((o) => (o.payment = {} as never)), status: 400, error: 'ValidationError', path: 'payment.token', direct: true },
  { input: 'unknown field (price)', body: withOrder((o) => (o.price = 1)), status: 400, error: 'ValidationError', path: 'price', direct: true },
  { input: 'unknown nested field (items[0].unitPrice)', body: withOrder((o) => (o.items = [{ sku: 'SKU-1', quantity: 1, unitPrice: 1 } as never])), status: 400, error: 'ValidationError', path: 'items[0].unitPrice', direct: true },
  { input: 'wrong type (items is an object)', body: withOrder((o) => (o.items = { sku: 'SKU-1', quantity: 1 } as never)), status: 400, error: 'ValidationError', path: 'items', direct: true },
  { input: 'wrong type (customer.name is a number)', body: withOrder((o) => (o.customer.name = 42 as never)), status: 400, error: 'ValidationError', path: 'customer.name', direct: true },
  { input: 'quantity 0', body: line(0), status: 400, error: 'ValidationError', path: 'items[0].quantity', direct: true },
  { input: 'quantity negative (-3)', body: line(-3), status: 400, error: 'ValidationError', path: 'items[0].quantity', direct: true },
  { input: 'quantity fractional (1.5)', body: line(1.5), status: 400, error: 'ValidationError', path: 'items[0].quantity', direct: true },
  { input: 'quantity as a string ("2")', body: line('2'), status: 400, error: 'ValidationError', path: 'items[0].quantity', direct: true },
  { input: 'quantity huge (1e9)', body: line(1e9), status: 400, error: 'ValidationError', path: 'items[0].quantity', direct: true },
  { input: 'quantity beyond any number (1e400)', body: validText.replace('"quantity":1', '"quantity":1e400'), status: 400, error: 'ValidationError', path: 'items[0].quantity', direct: true },
  { input: 'no lines', body: withOrder((o) => (o.items = [])), status: 400, error: 'ValidationError', path: 'items', direct: true },
  {
    input: '51 lines', // the documented limit is 50 (README, "Limits")
    body: withOrder((o) => (o.items = Array.from({ length: 51 }, (_, i) => ({ sku: `SKU-X${i}`, quantity: 1 })))),
    status: 400,
    error: 'ValidationError',
    path: 'items',
    direct: true,
  },
  {
    input: 'same SKU twice (rejected, not merged)',
    body: withOrder((o) => (o.items = [{ sku: 'SKU-1', quantity: 1 }, { sku: 'SKU-2', quantity: 1 }, { sku: 'SKU-1', quantity: 2 }])),
    status: 400,
    error: 'ValidationError',
    path: 'items[2].sku',
    direct: true,
  },
  { input: 'unknown SKU', body: withOrder((o) => (o.items = [{ sku: 'NO-SUCH-SKU', quantity: 1 }])), status: 400, error: 'ValidationError', path: 'items[0].sku', direct: true },
  { input: 'malformed SKU', body: withOrder((o) => (o.items = [{ sku: '../etc', quantity: 1 }])), status: 400, error: 'ValidationError', path: 'items[0].sku', direct: true },
  { input: 'invalid e-mail', body: withOrder((o) => (o.customer.email = 'ana@')), status: 400, error: 'ValidationError', path: 'customer.email', direct: true },
  { input: 'overlong string (customer.name, 201 chars)', body: withOrder((o) => (o.customer.name = 'N'.repeat(201))), status: 400, error: 'ValidationError', path: 'customer.name', direct: true },
  { input: 'overlong e-mail (255 chars)', body: withOrder((o) => (o.customer.email = `${'e'.repeat(243)}@example.com`)), status: 400, error: 'ValidationError', path: 'customer.email', direct: true },
  { input: 'control characters (customer.name "An\\u0007a")', body: withOrder((o) => (o.customer.name = 'An\u0007a')), status: 400, error: 'ValidationError', path: 'customer.name', direct: true },
  { input: 'invisible format characters (customer.id with U+202E)', body: withOrder((o) => (o.customer.id = 'cust\u202e1')), status: 400, error: 'ValidationError', path: 'customer.id', direct: true },
  { input: 'unknown currency', body: withOrder((o) => (o.currency = 'XYZ')), status: 400, error: 'ValidationError', path: 'currency', direct: true },
  { input: 'payment token that is not a token', body: withOrder((o) => (o.payment = { token: '4111111111111111' })), status: 400, error: 'ValidationError', path: 'payment.token', direct: true },
  { input: '"__proto__" key at the top', body: validText.replace('{', '{"__proto__":{"isAdmin":true},'), status: 400, error: 'ValidationError', path: '__proto__', direct: true },
  { input: '"__proto__" key in customer', body: validText.replace('"customer":{', '"customer":{"__proto__":{"x":1},'), status: 400, error: 'ValidationError', path: 'customer.__proto__', direct: true },
  { input: '"constructor" key', body: validText.replace('{', '{"constructor":{"prototype":{"x":1}},'), status: 400, error: 'ValidationError', path: 'constructor', direct: true },
  { input: 'body over 32 KiB', body: oversized, status: 413, error: 'PayloadTooLarge', path: 'body' },
  { input: 'bad Idempotency-Key (space and "!")', body: validText, headers: { 'content-type': 'application/json', 'idempotency-key': 'bad key!' }, status: 400, error: 'ValidationError', path: 'headers.idempotency-key' },
  { input: 'bad Idempotency-Key (65 characters)', body: validText, headers: { 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(65) }, status: 400, error: 'ValidationError', path: 'headers.idempotency-key' },
];

const GET_ROWS: Array<{ input: string; path: string; status: number; error: string; field?: string }> = [
  { input: 'orderId "..%2F"', path: '/orders/..%2F', status: 400, error: 'ValidationError', field: 'orderId' },
  { input: 'orderId "..%2F..%2Fetc%2Fpasswd"', path: '/orders/..%2F..%2Fetc%2Fpasswd', status: 400, error: 'ValidationError', field: 'orderId' },
  { input: 'orderId of 10 KB', path: `/orders/${'a'.repeat(10 * 1024)}`, status: 400, error: 'ValidationError', field: 'orderId' },
  { input: 'orderId in unicode ("pedido-ñ✓")', path: `/orders/${encodeURIComponent('pedido-ñ✓')}`, status: 400, error: 'ValidationError', field: 'orderId' },
  { input: 'orderId with broken percent-encoding ("%E0%A4%A")', path: '/orders/%E0%A4%A', status: 400, error: 'ValidationError', field: 'orderId' },
  { input: 'orderId with a quote and a space', path: `/orders/${encodeURIComponent("x' OR '1'='1")}`, status: 400, error: 'ValidationError', field: 'orderId' },
  { input: 'well-formed orderId that does not exist', path: '/orders/no-such-order-123', status: 404, error: 'NotFound' },
];

/** Everything a bad request must leave alone: the executions, the three tables and the outbox. */
async function state() {
  const snapshot = await takeSnapshot(stack.current);
  return {
    executions: stack.current.executions.list().length,
    orders: snapshot.orders,
    inventory: snapshot.inventory,
    authorizations: snapshot.authorizations,
    messages: snapshot.messages.length,
  };
}

async function send(method: string, path: string, body?: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(`${stack.current.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let json: { error?: string; message?: string; details?: Array<{ path: string; message: string }> } | undefined;
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', json, text };
}

describe('bad input over HTTP: 4xx JSON naming the field, no execution, nothing written', () => {
  let before: Awaited<ReturnType<typeof state>>;
  beforeAll(async () => {
    before = await state();
  });

  it.each(POST_ROWS)('POST /orders, $input -> $status $error ($path)', async (row) => {
    const answer = await send('POST', '/orders', row.body, row.headers);
    expect(answer.status, answer.text.slice(0, 300)).toBe(row.status);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.json).toMatchObject({ error: row.error, message: expect.any(String) });
    expect(answer.json!.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: row.path, message: expect.any(String) })]));
    expect(await state()).toEqual(before);
  });

  it.each(GET_ROWS)('GET $input -> $status $error', async (row) => {
    const answer = await send('GET', row.path, undefined, {});
    expect(answer.status, answer.text.slice(0, 300)).toBe(row.status);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.json).toMatchObject({ error: row.error, message: expect.any(String) });
    if (row.field) expect(answer.json!.details).toEqual([expect.objectContaining({ path: row.field })]);
    expect(await state()).toEqual(before);
  });

  it('a valid order still goes through afterwards (the rows above were refused for what they are)', async () => {
    const answer = await send('POST', '/orders', validText);
    expect(answer.status).toBe(202);
    await stack.current.waitForExecution((answer.json as { orderId: string }).orderId);
  });
});

describe('the same bodies as direct execution input end REJECTED / INVALID_ORDER, not FAILED', () => {
  const directRows = POST_ROWS.filter((row) => row.direct);

  it.each(directRows)('$input', async (row) => {
    const { record } = stack.current.stepFunctions.startExecution({ input: row.body as string });
    const done = await stack.current.waitForExecution(record.name, 20_000);
    expect(done.status, done.error).toBe('SUCCEEDED');
    const order = await stack.current.order(record.name);
    expect(order).toMatchObject({ status: 'REJECTED', reason: 'INVALID_ORDER' });
    expect(order!.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: row.path })]));
    // Told once, like every rejection (guarantee 4).
    expect(stack.current.outbox.forOrder(record.name).map((m) => m.attributes.eventType?.StringValue)).toEqual(['OrderRejected']);
  });

  it('an empty object as input is rejected the same way', async () => {
    const { record } = stack.current.stepFunctions.startExecution({ input: '{}' });
    const done = await stack.current.waitForExecution(record.name, 20_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(await stack.current.order(record.name)).toMatchObject({ status: 'REJECTED', reason: 'INVALID_ORDER' });
  });

  it('input that is not JSON never starts: StartExecution answers InvalidExecutionInput', () => {
    const count = stack.current.executions.list().length;
    expect(() => stack.current.stepFunctions.startExecution({ input: '{"customer": {"id": "c1",' })).toThrow(
      expect.objectContaining({ name: 'InvalidExecutionInput' }),
    );
    expect(stack.current.executions.list().length).toBe(count);
  });

  it('leaves guarantees 1-4 intact', async () => {
    const report = await stack.current.checkConsistency();
    expect(report.violations).toEqual([]);
    expect(report.counts.FAILED).toBe(0);
    expect(report.counts.REJECTED).toBe(directRows.length + 1);
  });
});
