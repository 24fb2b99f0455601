// The local console (`npm start`, http://127.0.0.1:<port>/), on a local stack of this file's own: its JSON API's
// answers to bad input, and the page itself in Debian's Chromium (playwright-core), one browser for the file.
// Without /usr/bin/chromium the browser tests are skipped, with the reason in their name; the API tests still run.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDefinition } from '../../local/commands/graph.ts';
import { chromiumMissing, launchChromium, type ConsoleBrowser } from '../../local/console/browser.ts';
import { retryIntervalOverridesFor, type Definition } from '../../local/engine/definition.ts';
import { useLocalStack } from '../support/localStack.ts';

// Retries are instant, except ValidatePayment's: the provider-failure order waits there between attempts long
// enough to see its backoff in the timeline and to press Stop while it runs.
const PROVIDER_RETRY_WAIT_MS = 1_000;
const stack = useLocalStack({
  retryIntervalOverrides: { ...retryIntervalOverridesFor(readDefinition() as Definition, 0), ValidatePayment: PROVIDER_RETRY_WAIT_MS },
});

// The browser globals the functions run in the page below use (the project's TypeScript has no DOM library; these
// declarations are this file's own).
interface PageElement {
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
  readonly textContent: string | null;
}
declare const document: { querySelector(selectors: string): PageElement | null; querySelectorAll(selectors: string): ArrayLike<PageElement> & Iterable<PageElement> };
declare const window: Record<string, unknown>;
declare function getComputedStyle(element: unknown): { fill: string; stroke: string; backgroundColor: string; borderTopColor: string };

// The confirmed path, as the definition's own header and the README state it.
const CONFIRMED_PATH = ['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'SendConfirmation'];

interface ConsoleAnswer {
  status: number;
  contentType: string | null;
  body: { error?: unknown; message?: unknown; details?: Array<{ path: string; message: string }> } & Record<string, unknown>;
  headers: Headers;
}

/** Resolves once `ready` holds, checking every 20 ms; fails after `timeoutMs`. */
async function until(ready: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const ORDER_INPUT = (token: string) => ({ customer: { id: 'c', email: 'a@example.com', name: 'A' }, items: [{ sku: 'SKU-3', quantity: 1 }], payment: { token } });

async function call(method: string, path: string): Promise<ConsoleAnswer> {
  const response = await fetch(`${stack.current.url}${path}`, { method });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), body: JSON.parse(text) as ConsoleAnswer['body'], headers: response.headers };
}

/** A 4xx in the API's error shape whose message names `field`. */
function expectRefusal(answer: ConsoleAnswer, status: number, error: string, field: string): void {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toBe('application/json');
  expect(answer.body.error).toBe(error);
  expect(typeof answer.body.message).toBe('string');
  expect(answer.body.message).toContain(field);
}

describe('the console API refuses bad input with a 4xx JSON error naming the field', () => {
  it.each([
    ['an unknown status', '?status=DONE', 'query.status'],
    ['an unknown path', '?path=shipped', 'query.path'],
    ['page 0', '?page=0', 'query.page'],
    ['a page that is not a number', '?page=two', 'query.page'],
    ['a page size over the limit', '?pageSize=1000', 'query.pageSize'],
    ['a search longer than an execution name can be', `?q=${'x'.repeat(81)}`, 'query.q'],
    ['a control character in the search', '?q=a%00b', 'query.q'],
    ['an unknown parameter', '?sort=asc', 'query.sort'],
    ['a parameter given twice', '?page=1&page=2', 'query.page'],
  ])('GET /_console/api/executions with %s -> 400', async (_, query, field) => {
    expectRefusal(await call('GET', `/_console/api/executions${query}`), 400, 'ValidationError', field);
  });

  it('an execution name Step Functions would refuse -> 400 naming path.name; an unknown one -> 404', async () => {
    expectRefusal(await call('GET', '/_console/api/executions/bad%20name'), 400, 'ValidationError', 'path.name');
    expectRefusal(await call('GET', `/_console/api/executions/${'n'.repeat(81)}`), 400, 'ValidationError', 'path.name');
    expectRefusal(await call('GET', '/_console/api/executions/%E0%A4%A/order'), 400, 'ValidationError', 'path.name');
    const unknown = `never-started-${randomUUID()}`;
    expectRefusal(await call('GET', `/_console/api/executions/${unknown}`), 404, 'ExecutionNotFound', unknown);
    expectRefusal(await call('GET', `/_console/api/executions/${unknown}/order`), 404, 'ExecutionNotFound', unknown);
  });

  it('Stop needs the page token (403), a RUNNING execution (409) and POST (405 with Allow)', async () => {
    const record = stack.current.startExecution({ customer: { id: 'c', email: 'a@example.com', name: 'A' }, items: [{ sku: 'SKU-3', quantity: 1 }], payment: { token: 'tok_visa' } });
    await stack.current.waitForExecution(record.name);
    const config = await call('GET', '/_console/api/config');
    const token = String(config.body.token);
    expectRefusal(await call('POST', `/_console/api/executions/${record.name}/stop`), 403, 'Forbidden', 'query.token');
    expectRefusal(await call('POST', `/_console/api/executions/${record.name}/stop?token=wrong`), 403, 'Forbidden', 'query.token');
    expectRefusal(await call('POST', `/_console/api/executions/${record.name}/stop?token=${token}`), 409, 'ExecutionNotRunning', 'SUCCEEDED');
    // StopExecution's own limit on `error` is 256 characters (Step Functions API reference, StopExecution).
    expectRefusal(await call('POST', `/_console/api/executions/${record.name}/stop?token=${token}&error=${'e'.repeat(257)}`), 400, 'ValidationError', 'query.error');
    const wrongMethod = await call('GET', `/_console/api/executions/${record.name}/stop`);
    expectRefusal(wrongMethod, 405, 'MethodNotAllowed', 'POST');
    expect(wrongMethod.headers.get('allow')).toBe('POST');
  });

  // What AWS answers, and the sources: RedriveExecution (API reference) restarts FAILED, ABORTED and TIMED_OUT
  // executions only, else ExecutionNotRedrivable; its clientToken is 1-64 characters of [!-~] (AWS's service model,
  // ClientToken) and the same token answers the same redrive again. The reasons are DescribeExecution's
  // redriveStatusReason texts (API reference, DescribeExecution; recorded on AWS in LocalStack's snapshot
  // tests/aws/services/stepfunctions/v2/base/test_base.snapshot.json test_event_bridge_events_base: "Execution is
  // RUNNING and cannot be redriven", "Execution is SUCCEEDED and cannot be redriven").
  it('Redrive needs the page token (403), a known execution (404), one that can be redriven (409), POST and a well-formed clientToken', async () => {
    const record = stack.current.startExecution(ORDER_INPUT('tok_visa'));
    await stack.current.waitForExecution(record.name);
    const token = String((await call('GET', '/_console/api/config')).body.token);
    const redrive = (name: string, query: string) => call('POST', `/_console/api/executions/${name}/redrive${query}`);
    expectRefusal(await redrive(record.name, ''), 403, 'Forbidden', 'query.token');
    expectRefusal(await redrive(record.name, '?token=wrong'), 403, 'Forbidden', 'query.token');
    const unknown = `never-started-${randomUUID()}`;
    expectRefusal(await redrive(unknown, `?token=${token}`), 404, 'ExecutionNotFound', unknown);
    expectRefusal(await redrive('bad%20name', `?token=${token}`), 400, 'ValidationError', 'path.name');
    const succeeded = await redrive(record.name, `?token=${token}`);
    expectRefusal(succeeded, 409, 'ExecutionNotRedrivable', 'SUCCEEDED');
    expect(succeeded.body.message).toBe('Execution is SUCCEEDED and cannot be redriven');
    expectRefusal(await redrive(record.name, `?token=${token}&clientToken=${'c'.repeat(65)}`), 400, 'ValidationError', 'query.clientToken');
    expectRefusal(await redrive(record.name, `?token=${token}&clientToken=a%20b`), 400, 'ValidationError', 'query.clientToken');
    expectRefusal(await redrive(record.name, `?token=${token}&from=ValidatePayment`), 400, 'ValidationError', 'query.from');
    const wrongMethod = await call('GET', `/_console/api/executions/${record.name}/redrive`);
    expectRefusal(wrongMethod, 405, 'MethodNotAllowed', 'POST');
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    // Refused, it is as it was.
    const detail = await call('GET', `/_console/api/executions/${record.name}`);
    expect(detail.body).toMatchObject({ status: 'SUCCEEDED', redriveCount: 0, redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven' });
    expect(detail.body.redriveFrom).toBeUndefined();
  });

  it('Redrive restarts a stopped execution where it stopped: 200 with redriveDate, the same answer for the same clientToken, 409 while it runs', async () => {
    const record = stack.current.startExecution(ORDER_INPUT('tok_chargeDeclinedProcessingError'));
    // The first payment attempt has failed: the execution waits before its retry.
    await until(() => record.history.some((event) => event.type === 'TaskFailed'), 'the first failed payment attempt');
    const token = String((await call('GET', '/_console/api/config')).body.token);
    expect((await call('POST', `/_console/api/executions/${record.name}/stop?token=${token}`)).status).toBe(200);
    await stack.current.waitForExecution(record.name);
    const stopped = await call('GET', `/_console/api/executions/${record.name}`);
    expect(stopped.body).toMatchObject({ status: 'ABORTED', redriveCount: 0, redriveStatus: 'REDRIVABLE', redriveFrom: 'ValidatePayment' });
    expect(stopped.body.redriveStatusReason).toBeUndefined();

    const first = await call('POST', `/_console/api/executions/${record.name}/redrive?token=${token}&clientToken=test-redrive-1`);
    expect(first.status).toBe(200);
    expect(first.body.executionArn).toBe(record.executionArn);
    expect(Date.parse(String(first.body.redriveDate))).toBeGreaterThanOrEqual(Date.parse(String(stopped.body.stopDate)));
    const again = await call('POST', `/_console/api/executions/${record.name}/redrive?token=${token}&clientToken=test-redrive-1`);
    expect(again.status).toBe(200);
    expect(again.body.redriveDate).toBe(first.body.redriveDate);
    const running = await call('POST', `/_console/api/executions/${record.name}/redrive?token=${token}`);
    expectRefusal(running, 409, 'ExecutionNotRedrivable', 'RUNNING');
    expect(running.body.message).toBe('Execution is RUNNING and cannot be redriven');
    await until(() => record.history.at(-1)?.type !== 'ExecutionRedriven', 'the resumed state to be entered');
    const redriven = await call('GET', `/_console/api/executions/${record.name}`);
    expect(redriven.body).toMatchObject({ status: 'RUNNING', redriveCount: 1, redriveDate: first.body.redriveDate, redriveStatus: 'NOT_REDRIVABLE' });
    // The resumed run starts with ExecutionRedriven; ReceiveOrder, which succeeded, is not entered again.
    const types = (redriven.body.history as Array<{ type: string }>).map((event) => event.type);
    expect(types.slice(types.indexOf('ExecutionAborted') + 1, types.indexOf('ExecutionAborted') + 3)).toEqual(['ExecutionRedriven', 'TaskStateEntered']);
    const entered = (redriven.body.history as Array<{ stateEnteredEventDetails?: { name: string } }>).flatMap((event) => (event.stateEnteredEventDetails ? [event.stateEnteredEventDetails.name] : []));
    expect(entered).toEqual(['ReceiveOrder', 'ValidatePayment', 'ValidatePayment']);
    stack.current.stepFunctions.stopExecution(record.executionArn);
    await stack.current.waitForExecution(record.name);
  });

  it('other bad requests: since=-1, an unknown API path, DELETE, a query on the page', async () => {
    expectRefusal(await call('GET', '/_console/api/changes?since=-1'), 400, 'ValidationError', 'query.since');
    expectRefusal(await call('GET', '/_console/api/nothing-here'), 404, 'NotFound', '/_console/api/nothing-here');
    expectRefusal(await call('DELETE', '/_console/api/executions'), 405, 'MethodNotAllowed', 'GET');
    expectRefusal(await call('GET', '/?debug=1'), 400, 'ValidationError', 'query.debug');
    expectRefusal(await call('GET', '/_console/nothing.js'), 404, 'NotFound', '/_console/nothing.js');
  });

  it('leaves the API alone: an unknown route is still API Gateway\'s 403, and /_local answers as before', async () => {
    const unknown = await call('GET', '/nope');
    expect(unknown.status).toBe(403);
    expect(unknown.body.message).toBe('Missing Authentication Token');
    const outbox = await call('GET', '/_local/outbox');
    expect(outbox.status).toBe(200);
    expect(Array.isArray(outbox.body.messages)).toBe(true);
  });
});

const missing = chromiumMissing();
const STEP_OF = (state: string) => `svg.workflow-svg g.state[data-state="${state}"]`;

describe.skipIf(missing !== undefined)(`the console page in Chromium${missing ? ` (SKIPPED: ${missing})` : ''}`, () => {
  let browser: ConsoleBrowser;
  let page: Page;
  const requested: string[] = [];
  const pageErrors: string[] = [];
  const shots = mkdtempSync(join(tmpdir(), 'order-pipeline-console-'));
  const executions: { confirmed?: string; outOfStock?: string; stopped?: string } = {};

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${stack.current.url}/`);
    await page.waitForSelector('body[data-ready]');
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Places an order through the page's dialog; returns its id (the execution name) once the page shows it. */
  async function placeOrder(quantities: Record<string, number>, token: string): Promise<string> {
    await page.click('#place-order');
    await page.waitForSelector('dialog[open] #submit-order');
    for (const input of await page.$$('dialog input.qty')) await input.fill('0');
    for (const [sku, quantity] of Object.entries(quantities)) await page.fill(`dialog input[name="qty-${sku}"]`, String(quantity));
    await page.check(`dialog input[name="token"][value="${token}"]`);
    const [accepted] = await Promise.all([
      page.waitForResponse((response) => new URL(response.url()).pathname === '/orders' && response.request().method() === 'POST'),
      page.click('#submit-order'),
    ]);
    expect(accepted.status()).toBe(202);
    const { orderId } = (await accepted.json()) as { orderId: string };
    await page.waitForSelector(`[data-testid="execution-header"][data-name="${orderId}"]`);
    return orderId;
  }

  /** The reached states and how each is lit. */
  async function litStates(): Promise<Record<string, string>> {
    return page.$$eval('svg.workflow-svg g.state[data-status]', (nodes) =>
      Object.fromEntries(nodes.filter((node) => node.getAttribute('data-status') !== 'notReached').map((node) => [node.getAttribute('data-state'), node.getAttribute('data-status')])),
    );
  }

  /** The fill and stroke a state's shape is drawn with, and those of the legend's swatch for a status. */
  const shapeColours = (state: string) =>
    page.$eval(`${STEP_OF(state)} > :is(rect, path)`, (shape) => ({ fill: getComputedStyle(shape).fill, stroke: getComputedStyle(shape).stroke }));
  const legendColours = (status: string) =>
    page.$eval(`[data-testid="legend"] li[data-status="${status}"] .swatch`, (swatch) => ({
      fill: getComputedStyle(swatch).backgroundColor,
      stroke: getComputedStyle(swatch).borderTopColor,
    }));
  const edgeColour = (from: string, to: string, kind: string) =>
    page.$eval(`svg.workflow-svg g.edge[data-from="${from}"][data-to="${to}"][data-kind="${kind}"] path`, (path) => getComputedStyle(path).stroke);

  it('places an order from the page and sees it reach CONFIRMED without a reload', async () => {
    await page.evaluate(() => (window.consoleMarker = 'same document'));
    const name = await placeOrder({ 'SKU-1': 1 }, 'tok_visa');
    executions.confirmed = name;
    await page.waitForSelector('[data-testid="execution-header"][data-status="SUCCEEDED"][data-path="confirmed"]', { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="order-status"]')?.textContent === 'CONFIRMED');
    // Still the same document: the page updated itself, it was never reloaded.
    expect(await page.evaluate(() => window.consoleMarker)).toBe('same document');
    await page.waitForSelector(`.exec-row[data-name="${name}"][data-status="SUCCEEDED"][data-path="confirmed"]`);
    expect(await page.textContent('[data-testid="payment-status"]')).toBe('held');
    expect(await page.textContent('[data-testid="reservation-status"]')).toBe('reserved');
    expect(await page.$$eval('[data-testid="email"]', (emails) => emails.map((email) => email.getAttribute('data-event-type')))).toEqual(['OrderConfirmed']);
    expect(await page.textContent('[data-testid="email"] .email-body')).toContain('confirmed');
    expect((await stack.current.order(name))?.status).toBe('CONFIRMED');
    await page.screenshot({ path: join(shots, 'confirmed.png'), fullPage: true });
  });

  it('lights exactly the confirmed path, in the succeeded colour of the legend', async () => {
    await page.goto(`${stack.current.url}/#/executions/${executions.confirmed}`);
    await page.waitForSelector('[data-testid="execution-header"][data-status="SUCCEEDED"]');
    const lit = await litStates();
    expect(Object.keys(lit).sort()).toEqual([...CONFIRMED_PATH].sort());
    expect(new Set(Object.values(lit))).toEqual(new Set(['succeeded']));
    const succeeded = await legendColours('succeeded');
    const notReached = await legendColours('notReached');
    expect(succeeded.fill).not.toBe(notReached.fill);
    for (const state of CONFIRMED_PATH) expect(await shapeColours(state)).toEqual(succeeded);
    expect((await shapeColours('RejectOrder')).fill).toBe(notReached.fill);
    // The transitions taken, and only those.
    const litEdges = await page.$$eval('svg.workflow-svg g.edge[data-lit]', (edges) => edges.map((edge) => `${edge.getAttribute('data-from')}->${edge.getAttribute('data-to')}`));
    expect(litEdges.sort()).toEqual(['->ReceiveOrder', 'ReceiveOrder->ValidatePayment', 'ValidatePayment->UpdateStock', 'UpdateStock->SendConfirmation'].sort());
    expect(await page.$$eval('[data-testid="timeline"] .tl-row[data-state]', (rows) => rows.map((row) => row.getAttribute('data-state')))).toEqual(CONFIRMED_PATH);
    expect(await page.textContent('[data-testid="transitions"]')).toBe(String(CONFIRMED_PATH.length));
  });

  it('shows an out-of-stock order (SKU-6 has stock 1; 2 ordered) with its compensation path in the caught colour', async () => {
    const name = await placeOrder({ 'SKU-6': 2 }, 'tok_visa');
    executions.outOfStock = name;
    await page.waitForSelector('[data-testid="execution-header"][data-status="SUCCEEDED"][data-path="outOfStock"]', { timeout: 15_000 });
    expect(await litStates()).toEqual({
      ReceiveOrder: 'succeeded',
      ValidatePayment: 'succeeded',
      UpdateStock: 'caught',
      VoidPayment: 'succeeded',
      RejectOrFail: 'succeeded',
      RejectOrder: 'succeeded',
    });
    const caught = await legendColours('caught');
    expect(caught.fill).not.toBe((await legendColours('succeeded')).fill);
    expect(await shapeColours('UpdateStock')).toEqual(caught);
    // From the Catch on, every transition taken is drawn in the caught colour; the Next edge beside it is not lit.
    expect(await edgeColour('UpdateStock', 'VoidPayment', 'catch')).toBe(caught.stroke);
    expect(await edgeColour('VoidPayment', 'RejectOrFail', 'next')).toBe(caught.stroke);
    expect(await edgeColour('RejectOrFail', 'RejectOrder', 'choice')).toBe(caught.stroke);
    expect(await edgeColour('ReceiveOrder', 'ValidatePayment', 'next')).not.toBe(caught.stroke);
    expect(await page.$eval('svg.workflow-svg g.edge[data-from="UpdateStock"][data-to="SendConfirmation"]', (edge) => edge.hasAttribute('data-lit'))).toBe(false);
    // The step panel opens on the state that caught the error.
    expect(await page.textContent('[data-testid="step-panel"] h2')).toBe('UpdateStock');
    expect(await page.textContent('[data-testid="step-error"] code')).toBe('OutOfStock');
    await page.waitForFunction(() => document.querySelector('[data-testid="order-status"]')?.textContent === 'REJECTED');
    expect(await page.textContent('[data-testid="order-reason"]')).toBe('out of stock');
    expect(await page.textContent('[data-testid="payment-status"]')).toBe('voided');
    expect(await page.textContent('[data-testid="reservation-status"]')).toContain('none');
    expect(await page.$$eval('[data-testid="email"]', (emails) => emails.map((email) => email.getAttribute('data-event-type')))).toEqual(['OrderRejected']);
    await page.screenshot({ path: join(shots, 'out-of-stock.png'), fullPage: true });
  });

  it('shows retries and their backoff waits while a provider failure runs, and stops it', async () => {
    const name = await placeOrder({ 'SKU-3': 1 }, 'tok_chargeDeclinedProcessingError');
    executions.stopped = name;
    // Two failed attempts: the wait between them is drawn, and the execution is still RUNNING in the next wait.
    const row = '[data-testid="timeline"] .tl-row[data-state="ValidatePayment"]';
    await page.waitForFunction((selector) => document.querySelectorAll(`${selector} [data-testid="attempt"].o-failed`).length >= 2, row, { timeout: 10_000 });
    expect(await page.$$eval(`${row} [data-testid="backoff"]`, (waits) => waits.length)).toBeGreaterThanOrEqual(1);
    expect(await page.getAttribute('[data-testid="execution-header"]', 'data-status')).toBe('RUNNING');
    expect(await page.getAttribute(STEP_OF('ValidatePayment'), 'data-status')).toBe('running');
    expect(await page.$$eval('[data-testid="attempts"] tbody tr', (rows) => rows.length)).toBeGreaterThanOrEqual(2);
    expect(await page.isEnabled('#stop-execution')).toBe(true);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#stop-execution');
    await page.waitForSelector('[data-testid="execution-header"][data-status="ABORTED"]', { timeout: 10_000 });
    expect(await page.getAttribute(STEP_OF('ValidatePayment'), 'data-status')).toBe('stopped');
    const record = stack.current.executions.get(name)!;
    expect(record.status).toBe('ABORTED');
    expect(record.history.at(-1)).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { cause: 'Stopped from the local console' } });
    expect(await page.isEnabled('#stop-execution')).toBe(false);
  });

  // RedriveExecution (API reference): an ABORTED execution can be redriven; it "continues ... from the unsuccessful
  // step and uses the same input", the steps that succeeded are not run again, and the history goes on with an
  // ExecutionRedriven event (API reference, ExecutionRedrivenEventDetails: redriveCount). Its redriveCount goes up
  // (API reference, DescribeExecution).
  it('redrives the execution stopped mid-retry from the page, and follows it again to a final status without a reload', async () => {
    const name = executions.stopped!;
    await page.waitForSelector(`[data-testid="execution-header"][data-name="${name}"][data-status="ABORTED"]`);
    await page.evaluate(() => (window.consoleMarker = 'before the redrive'));
    expect(await page.textContent('[data-testid="redrive-count"]')).toBe('0');
    expect(await page.isEnabled('#redrive-execution')).toBe(true);
    expect(await page.textContent('[data-testid="redrive-note"] code')).toBe('ValidatePayment');
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await page.click('#redrive-execution');
    expect(question).toContain(`Redrive execution ${name}?`);
    expect(question).toContain('ValidatePayment');
    // Running again, with ValidatePayment relit in progress (it was drawn stopped), and its retry waits ahead of it.
    await page.waitForSelector('[data-testid="execution-header"][data-status="RUNNING"]', { timeout: 5_000 });
    await page.waitForFunction((selector) => document.querySelector(selector)?.getAttribute('data-status') === 'running', STEP_OF('ValidatePayment'), { timeout: 5_000 });
    expect(await page.textContent('[data-testid="redrive-count"]')).toBe('1');
    expect(await page.isDisabled('#redrive-execution')).toBe(true);
    expect(await page.textContent('[data-testid="redrive-reason"]')).toBe('Execution is RUNNING and cannot be redriven');
    expect(await page.isEnabled('#stop-execution')).toBe(true);
    // The step panel follows the resumed run, not the visit that was stopped.
    expect(await page.textContent('[data-testid="step-panel"] h2')).toBe('ValidatePayment');
    expect(await page.textContent('[data-testid="step-panel"] .card-head .muted')).toMatch(/^step 3 of /);

    // Every retry of the resumed ValidatePayment fails too (the provider keeps failing): compensated, the order ends in
    // OrderFailed, a Fail state. The page follows it there.
    await page.waitForSelector('[data-testid="execution-header"][data-status="FAILED"][data-path="failed"]', { timeout: 20_000 });
    expect(await page.evaluate(() => window.consoleMarker)).toBe('before the redrive');
    const record = stack.current.executions.get(name)!;
    expect(record).toMatchObject({ status: 'FAILED', redriveCount: 1 });
    expect(await page.textContent('[data-testid="redrive-count"]')).toBe('1');
    // FAILED in a Fail state is redrivable again (LocalStack's AWS-validated snapshot test_base test_state_fail).
    expect(await page.isEnabled('#redrive-execution')).toBe(true);
    expect(await page.textContent('[data-testid="redrive-note"] code')).toBe('OrderFailed');
    // The timeline: ReceiveOrder once (it succeeded before the stop), ValidatePayment stopped, then run again.
    const rows = await page.$$eval('[data-testid="timeline"] .tl-row[data-state]', (nodes) => nodes.map((node) => [node.getAttribute('data-state'), node.getAttribute('data-status')]));
    expect(rows.slice(0, 3)).toEqual([
      ['ReceiveOrder', 'succeeded'],
      ['ValidatePayment', 'stopped'],
      ['ValidatePayment', 'caught'],
    ]);
    expect(rows.filter(([state]) => state === 'ReceiveOrder')).toHaveLength(1);
    expect(await page.$$eval('[data-testid="redrive-mark"]', (marks) => marks.map((mark) => mark.textContent))).toEqual(['↻ redrive 1']);
    // The stopped visit's bar ends where it was stopped, before the redrive; not at the execution's end.
    const percent = (style: string | null, property: string) => Number(new RegExp(`${property}:\\s*([\\d.]+)%`).exec(style ?? '')?.[1]);
    const stoppedBar = await page.getAttribute('[data-testid="timeline"] .tl-row[data-status="stopped"] .tl-span', 'style');
    const redriveAt = percent(await page.getAttribute('[data-testid="redrive-mark"]', 'style'), 'left');
    expect(percent(stoppedBar, 'left') + percent(stoppedBar, 'width')).toBeLessThan(redriveAt);
    // The graph lights the redriven run's states: ValidatePayment by its last visit, and the compensation after it.
    const lit = await litStates();
    expect(lit.ReceiveOrder).toBe('succeeded');
    expect(lit.ValidatePayment).toBe('caught');
    expect(lit.ReleaseStock).toBe('succeeded');
    // ExecutionRedriven in the event list, on its page, right after the ExecutionAborted that closed the first run.
    const position = record.history.findIndex((event) => event.type === 'ExecutionRedriven');
    expect(position).toBeGreaterThan(0);
    expect(record.history[position - 1]!.type).toBe('ExecutionAborted');
    const pager = '[data-testid="events"] .pager button';
    while (await page.isEnabled(`${pager}:first-child`)) await page.click(`${pager}:first-child`);
    for (let turned = 0; turned < Math.floor(position / 25); turned++) await page.click(`${pager}:last-child`);
    expect(await page.getAttribute(`[data-testid="events"] tr.event[data-event-id="${record.history[position]!.id}"]`, 'data-type')).toBe('ExecutionRedriven');
    // The order's history records the redrive (issue 10: "Redrive is recorded on the order's history"), and the
    // compensation the resumed run went through is done: it reached OrderFailed, after the last compensation step.
    await page.waitForSelector('[data-testid="order-history"] li[data-event="REDRIVEN"]');
    expect(await page.textContent('[data-testid="order-history"] li[data-event="REDRIVEN"]')).toContain('redrive 1');
    expect(lit.OrderFailed).toBe('failed');
    expect(await page.textContent('[data-testid="compensation"]')).toMatch(/^done /);
    await page.screenshot({ path: join(shots, 'redriven.png'), fullPage: true });
  }, 45_000);

  it('exports the execution as JSON; Redrive is disabled on a SUCCEEDED execution, with the reason', async () => {
    await page.goto(`${stack.current.url}/#/executions/${executions.outOfStock}`);
    await page.waitForSelector('[data-testid="execution-header"][data-status="SUCCEEDED"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-execution')]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { name: string; status: string; events: Array<{ id: number; type: string }> };
    const record = stack.current.executions.get(executions.outOfStock!)!;
    expect(exported).toMatchObject({ name: record.name, status: 'SUCCEEDED', executionArn: record.executionArn });
    expect(exported.events.map((event) => event.type)).toEqual(record.history.map((event) => event.type));
    expect(await page.isVisible('#redrive-execution')).toBe(true);
    expect(await page.isDisabled('#redrive-execution')).toBe(true);
    // DescribeExecution's reason (API reference; LocalStack's AWS-validated snapshot test_base test_event_bridge_events_base).
    expect(await page.textContent('[data-testid="redrive-reason"]')).toBe('Execution is SUCCEEDED and cannot be redriven');
    expect(await page.textContent('[data-testid="redrive-count"]')).toBe('0');
  });

  it('pages the event list (25 a page)', async () => {
    // The out-of-stock history has 29 events (AWS order: entered, scheduled, started, succeeded/failed, exited ...).
    const total = stack.current.executions.get(executions.outOfStock!)!.history.length;
    expect(total).toBeGreaterThan(25);
    await page.click('[data-testid="timeline"] .tl-row[data-state="ReceiveOrder"]');
    expect(await page.$$eval('[data-testid="events"] tr.event', (rows) => rows.length)).toBe(25);
    expect(await page.textContent('[data-testid="events-range"]')).toBe('Page 1 of 2');
    await page.click('[data-testid="events"] .pager button:last-child');
    expect(await page.$$eval('[data-testid="events"] tr.event', (rows) => rows.map((row) => Number(row.getAttribute('data-event-id'))))).toEqual(
      Array.from({ length: total - 25 }, (_, i) => 26 + i),
    );
  });

  it('stays responsive with 2,000 executions listed: one page of rows, quick filters', async () => {
    // 2,000 finished executions, each a copy of the confirmed one's history (the console reads the registry only).
    const registry = stack.current.executions;
    const template = registry.get(executions.confirmed!)!;
    const bulkNames: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const name = `bulk-${String(i).padStart(4, '0')}-${randomUUID()}`;
      const { record } = registry.begin(name, template.input);
      record.history = structuredClone(template.history);
      registry.finish(name, { status: 'SUCCEEDED', ...(template.output !== undefined ? { output: template.output } : {}) });
      bulkNames.push(name);
    }
    const total = registry.list().length;
    const started = Date.now();
    await page.goto(`${stack.current.url}/`);
    await page.waitForSelector('body[data-ready] .exec-row');
    const loadMs = Date.now() - started;
    expect(await page.$$eval('.exec-row', (rows) => rows.length)).toBe(50);
    expect(await page.textContent('[data-testid="list-range"]')).toBe(`1–50 of ${total.toLocaleString('en-US')}`);
    // Newest first: the last one started is on top.
    expect(await page.getAttribute('.exec-row', 'data-name')).toBe(bulkNames.at(-1));
    expect(loadMs).toBeLessThan(3_000);

    const searched = Date.now();
    await page.fill('#search', bulkNames[1234]!.slice(0, 9));
    await page.waitForFunction((name) => document.querySelectorAll('.exec-row').length === 1 && document.querySelector('.exec-row')?.getAttribute('data-name') === name, bulkNames[1234]);
    expect(Date.now() - searched).toBeLessThan(2_000);
    await page.fill('#search', '');
    const aborted = registry.list().filter((record) => record.status === 'ABORTED').length;
    expect(aborted).toBeGreaterThan(0);
    await page.selectOption('#filter-status', 'ABORTED');
    await page.waitForFunction(
      (count) => [...document.querySelectorAll('.exec-row')].every((row) => row.getAttribute('data-status') === 'ABORTED') && document.querySelectorAll('.exec-row').length === count,
      aborted,
    );
    await page.selectOption('#filter-status', '');
    await page.selectOption('#filter-path', 'outOfStock');
    await page.waitForFunction((name) => document.querySelectorAll('.exec-row').length === 1 && document.querySelector('.exec-row')?.getAttribute('data-name') === name, executions.outOfStock);
  });

  it('made no request outside 127.0.0.1, and threw no error', async () => {
    expect(requested.length).toBeGreaterThan(10);
    const origin = new URL(stack.current.url).origin;
    expect(requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'))).toEqual([]);
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const answer = await fetch(`${stack.current.url}/`);
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(pageErrors).toEqual([]);
  });
});
