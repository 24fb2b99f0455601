// Security on the local stack, with LOCAL_API_KEY set (startLocalStack({apiKey})) and the handlers logging at DEBUG:
// the API key guards POST /orders and GET /orders/{orderId}; POST /payments/validate answers nobody from outside;
// after a batch of orders (approved, declined, failing, out of stock, invalid, with faults) no table or message
// holds a payment token, and no log line holds a customer's e-mail or token in clear.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { resetFaults } from '../../lib/faults.ts';
import { takeSnapshot } from '../../local/consistency/snapshot.ts';
import { useLocalStack } from '../support/localStack.ts';

const API_KEY = 'sec-test-key-7f3a9c';
const stack = useLocalStack({ apiKey: API_KEY, logLevel: 'DEBUG' });

const TOKENS = ['tok_mastercard', 'tok_amex', 'tok_chargeDeclined', 'tok_chargeDeclinedInsufficientFunds', 'tok_chargeDeclinedProcessingError'];
// Not a valid token (it has a "-"): refused as INVALID_ORDER, and must not be kept either.
const MALFORMED_TOKEN = 'tok_not-a-valid-token';

const email = (i: number) => `sec.customer${i}@example.com`;
const order = (i: number, token: string, items = [{ sku: 'SKU-5', quantity: 1 }]) => ({
  customer: { id: `sec-${i}`, email: email(i), name: `Customer ${i}` },
  items,
  payment: { token },
});

async function request(method: string, path: string, options: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const key = options.key === undefined ? API_KEY : options.key;
  if (key !== null) headers['x-api-key'] = key;
  const response = await fetch(`${stack.current.url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('API key (LOCAL_API_KEY) on the private routes', () => {
  it.each([
    ['without a key', null],
    ['with a wrong key', 'not-the-key'],
    ['with the key in another case', API_KEY.toUpperCase()],
  ])('POST /orders %s -> 403, nothing started', async (_, key) => {
    const before = stack.current.executions.list().length;
    const answer = await request('POST', '/orders', { body: order(0, 'tok_mastercard'), key });
    expect(answer).toEqual({ status: 403, body: { error: 'InvalidApiKey', message: 'Forbidden' } });
    expect(stack.current.executions.list().length).toBe(before);
  });

  it('POST /orders with the key -> 202; GET /orders/{orderId} without or with a wrong key -> 403, with it -> 200', async () => {
    const accepted = await request('POST', '/orders', { body: order(1, 'tok_mastercard') });
    expect(accepted.status).toBe(202);
    const orderId = accepted.body.orderId as string;
    await stack.current.waitForExecution(orderId);
    expect(await request('GET', `/orders/${orderId}`, { key: null })).toEqual({ status: 403, body: { error: 'InvalidApiKey', message: 'Forbidden' } });
    expect(await request('GET', `/orders/${orderId}`, { key: 'wrong' })).toEqual({ status: 403, body: { error: 'InvalidApiKey', message: 'Forbidden' } });
    const seen = await request('GET', `/orders/${orderId}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ orderId, status: 'CONFIRMED' });
    // The public view keeps payment and notice bookkeeping internal.
    expect(seen.body).not.toHaveProperty('payment');
    expect(seen.body).not.toHaveProperty('confirmationNotice');
  });

  it.each([
    ['without a key', null, {}],
    ['with the API key', API_KEY, {}],
    ['with a made-up SigV4 header', API_KEY, { authorization: 'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00' }],
  ])('POST /payments/validate from outside %s -> 403 (IAM only: the state machine role)', async (_, key, headers) => {
    const answer = await request('POST', '/payments/validate', {
      body: { orderId: 'any-order', amount: 100, currency: 'BRL', token: 'tok_mastercard' },
      key,
      headers,
    });
    expect(answer).toEqual({ status: 403, body: { error: 'MissingAuthenticationToken', message: 'Missing Authentication Token' } });
  });

  it('an unknown route is API Gateway\'s 403 too, key or not, in the service\'s error shape', async () => {
    const missingToken = { status: 403, body: { error: 'MissingAuthenticationToken', message: 'Missing Authentication Token' } };
    expect(await request('DELETE', '/orders/x')).toEqual(missingToken);
    expect(await request('GET', '/admin', { key: null })).toEqual(missingToken);
  });
});

describe('after a batch of orders: tokens never stored, no e-mail or token in clear in the logs', () => {
  const written: string[] = [];
  const orderIds: string[] = [];

  beforeAll(async () => {
    const capture = (chunk: unknown) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    try {
      // Transient faults on the way, so error logs are written too (and retried through).
      resetFaults();
      process.env.FAULTS = 'payments:TransientError:2,inventory:ThrottlingException:1,orders:InternalErrorException:2,sns:InternalErrorException:1';
      let i = 10;
      const posts = [
        ...TOKENS.map((token) => order(i++, token)),
        order(i++, 'tok_amex', [{ sku: 'SKU-6', quantity: 5 }]), // out of stock
        order(i++, 'tok_mastercard', [{ sku: 'SKU-1', quantity: 1 }, { sku: 'SKU-3', quantity: 2 }]),
      ];
      for (const [n, body] of posts.entries()) {
        // POST /orders answers 503 on an injected inventory fault: retried, as a client would.
        let answer = await request('POST', '/orders', { body, headers: { 'idempotency-key': `sec-batch-${n}` } });
        if (answer.status === 503) answer = await request('POST', '/orders', { body, headers: { 'idempotency-key': `sec-batch-${n}` } });
        expect(answer.status).toBe(202);
        orderIds.push(answer.body.orderId as string);
      }
      // Refused over HTTP: a malformed token, and an e-mail where a name belongs (with a control character).
      expect((await request('POST', '/orders', { body: order(i++, MALFORMED_TOKEN) })).status).toBe(400);
      const misplaced = order(i++, 'tok_amex');
      misplaced.customer.name = `${misplaced.customer.email}\u0000`;
      expect((await request('POST', '/orders', { body: misplaced })).status).toBe(400);
      // Sent as direct execution input, the same two end REJECTED / INVALID_ORDER, with their problems stored.
      for (const input of [order(i++, MALFORMED_TOKEN), misplaced]) orderIds.push(stack.current.startExecution(input).name);
      await Promise.all(orderIds.map((id) => stack.current.waitForExecution(id, 20_000)));
    } finally {
      delete process.env.FAULTS;
      vi.restoreAllMocks();
    }
  });

  afterAll(() => {
    delete process.env.FAULTS;
  });

  it('ran the batch to every kind of ending', async () => {
    const statuses = await Promise.all(orderIds.map(async (id) => {
      const stored = await stack.current.order(id);
      return `${stored?.status as string}${stored?.reason ? `/${stored.reason as string}` : ''}`;
    }));
    expect(new Set(statuses)).toEqual(new Set(['CONFIRMED', 'REJECTED/PAYMENT_DECLINED', 'FAILED', 'REJECTED/OUT_OF_STOCK', 'REJECTED/INVALID_ORDER']));
    expect((await stack.current.checkConsistency()).violations).toEqual([]);
  });

  it('stores no payment token in any table or message', async () => {
    const snapshot = await takeSnapshot(stack.current);
    const stored = JSON.stringify({ orders: snapshot.orders, inventory: snapshot.inventory, payments: snapshot.authorizations });
    const messages = JSON.stringify(stack.current.outbox.messages);
    for (const token of [...TOKENS, MALFORMED_TOKEN]) {
      expect(stored).not.toContain(token);
      expect(messages).not.toContain(token);
    }
    // The only "tok_" anywhere is the schema's own example in a stored validation message.
    const mentions = [...`${stored}${messages}`.matchAll(/tok_[A-Za-z0-9_-]*/g)].map((m) => m[0]);
    expect(new Set(mentions)).toEqual(new Set(mentions.length > 0 ? ['tok_visa'] : []));
    expect(stored).toContain('must be a payment token such as \\"tok_visa\\"');
    // The authorization is kept, by id, for capture.
    expect(snapshot.orders.find((o) => o.status === 'CONFIRMED')?.payment).toMatchObject({ authorizationId: expect.stringMatching(/^auth_/) });
  });

  it('logged at DEBUG (the capture saw the handlers), with every e-mail masked and no token', () => {
    const logs = written.join('');
    expect(logs).toContain('"message":"order accepted"');
    expect(logs).toMatch(/"customer":"s\*\*\*@example\.com"/);
    expect(logs).toContain('"message":"task failed"');
    expect(logs).not.toMatch(/sec\.customer\d+@example\.com/);
    for (const token of [...TOKENS, MALFORMED_TOKEN]) expect(logs).not.toContain(token);
  });
});
