// npm run console:screenshots [-- --out DIR]: the README's pictures of the console, taken in Debian's Chromium from
// a local stack of its own: docs/console-confirmed.png (a confirmed order whose payment call was retried once) and
// docs/console-rejected.png (an out-of-stock order, compensated). A few other orders fill the executions list.
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { commandFailure, parseStrictFlags, type Fail } from '../commands/cli.ts';
import { REPO_ROOT } from '../commands/graph.ts';
import { findJava, JAVA_MISSING_MESSAGE } from '../stack/dynamodbLocal.ts';
import { startLocalStack, type LocalStack } from '../stack/stack.ts';
import { chromiumMissing, launchChromium } from './browser.ts';

const USAGE = 'usage: npm run console:screenshots [-- --out DIR]';
const fail: Fail = commandFailure('npm run console:screenshots');
const CUSTOMER = { id: 'cust-readme', email: 'ana@example.com', name: 'Ana Souza' };

async function placeOrder(stack: LocalStack, items: Array<{ sku: string; quantity: number }>, token: string): Promise<string> {
  const response = await fetch(`${stack.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customer: CUSTOMER, items, payment: { token } }),
  });
  const body = (await response.json()) as { orderId?: string; message?: string };
  if (response.status !== 202 || !body.orderId) throw new Error(`POST /orders answered ${response.status}: ${body.message ?? ''}`);
  return body.orderId;
}

async function main(): Promise<void> {
  const values = parseStrictFlags({ out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE, fail);
  if (values.help) {
    process.stdout.write(`${USAGE}\n  --out DIR  where to write console-confirmed.png and console-rejected.png (default docs/)\n`);
    return;
  }
  const missing = chromiumMissing();
  if (missing) fail(`${missing}; the screenshots are taken in Debian's Chromium`, 1);
  if (!findJava()) fail(JAVA_MISSING_MESSAGE, 1);
  const out = resolve(values.out ?? join(REPO_ROOT, 'docs'));
  mkdirSync(out, { recursive: true });

  // Retry waits as declared (IntervalSeconds 1, full jitter), so the backoff shows in the timeline.
  const stack = await startLocalStack({ port: 0, awsPort: 0, quiet: true });
  const browser = await launchChromium({ width: 1600, height: 1000 });
  try {
    // Two orders first, so that the pictured ones do not carry the handlers' cold starts.
    const warmUp = [await placeOrder(stack, [{ sku: 'SKU-4', quantity: 1 }], 'tok_visa'), await placeOrder(stack, [{ sku: 'SKU-6', quantity: 3 }], 'tok_visa')];
    await Promise.all(warmUp.map((name) => stack.waitForExecution(name)));
    // Then the next payment call fails once with a transient error, so the confirmed order has a retry to show
    // (lib/faults.ts reads FAULTS again whenever it changes).
    process.env.FAULTS = 'payments:TransientError:1';
    const confirmed = await placeOrder(stack, [{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-3', quantity: 1 }], 'tok_visa');
    await stack.waitForExecution(confirmed);
    const declined = await placeOrder(stack, [{ sku: 'SKU-2', quantity: 1 }], 'tok_chargeDeclined');
    const rejected = await placeOrder(stack, [{ sku: 'SKU-6', quantity: 2 }], 'tok_visa');
    await Promise.all([stack.waitForExecution(declined), stack.waitForExecution(rejected)]);
    // Still retrying when the pictures are taken: the list shows one running execution.
    await placeOrder(stack, [{ sku: 'SKU-5', quantity: 3 }], 'tok_chargeDeclinedProcessingError');

    const page = await browser.context.newPage();
    const shoot = async (name: string, file: string, step?: string) => {
      await page.goto(`${stack.url}/#/executions/${name}`);
      await page.waitForSelector(`[data-testid="execution-header"][data-name="${name}"]`);
      await page.waitForSelector('[data-testid="order-status"]');
      if (step) await page.click(`[data-testid="timeline"] .tl-row[data-state="${step}"]`);
      await page.waitForTimeout(400);
      // From the top: the bar and the list are sticky, and a full-page picture keeps them where the scroll left them.
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(out, file), fullPage: true });
      process.stdout.write(`wrote ${relative(process.cwd(), join(out, file))}\n`);
    };
    await shoot(confirmed, 'console-confirmed.png', 'ValidatePayment');
    await shoot(rejected, 'console-rejected.png');
  } finally {
    await browser.close();
    await stack.stop();
  }
}

main().catch((error: unknown) => fail((error as Error).message, 1));
