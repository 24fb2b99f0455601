// The two commands as a user runs them, each in its own process: `npm start` (serves orders, prints what it
// does, and on SIGTERM stops everything it started - its DynamoDB Local included) and `npm run invoke` (one
// execution; the outcome as JSON on stdout; exit 0 succeeded, 1 failed, 2 bad arguments).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/stack/serverlessConfig.ts';
import { isAlive } from '../../local/stack/processCleanup.ts';

const NODE_ARGS = ['--import', 'tsx'];
/** Variables that would change what the commands do; the test runner sets some of them for the unit tests. */
const DROPPED_ENV = /^(FAULTS|PORT|LOCAL_API_KEY|LOCAL_LOG_LEVEL|ORDERS_TABLE|INVENTORY_TABLE|PAYMENTS_TABLE|NOTIFICATIONS_TOPIC_ARN|STATE_MACHINE_ARN|VITEST.*|POWERTOOLS_.*|AWS_.*)$/;

function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!DROPPED_ENV.test(name)) env[name] = value;
  return { ...env, ...extra };
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const spawned = new Set<ChildProcess>();
const javaPids = new Set<number>();
afterAll(() => {
  // Only if a test failed half-way: nothing of ours may outlive the run.
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of javaPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

function run(script: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<Finished>; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [...NODE_ARGS, script, ...args], { cwd: projectRoot, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Finished>((resolveDone) => {
    child.once('close', (code, signal) => resolveDone({ code, signal, stdout, stderr }));
  });
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/** Processes whose parent is `pid` (from /proc/<pid>/stat: the field after the command name is the parent). */
function childrenOf(pid: number): Array<{ pid: number; cmdline: string }> {
  const out: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      out.push({ pid: Number(entry), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const seed = JSON.parse(readFileSync(join(projectRoot, 'local/seed/catalog.json'), 'utf8')) as Array<{ sku: string; unitPrice: number }>;
const priceOf = (sku: string) => seed.find((entry) => entry.sku === sku)!.unitPrice;

describe('npm start (node --import tsx local/commands/start.ts)', () => {
  it('serves an order end to end, tracing it, and on SIGTERM exits 0 with its DynamoDB Local gone', async () => {
    const start = run('local/commands/start.ts', ['--port', '0', '--aws-port', '0']);
    const url = await until(
      'the start banner',
      () => {
        if (start.child.exitCode !== null) throw new Error(`npm start exited early (${start.child.exitCode}):\n${start.stderr()}`);
        return /Ready in /.test(start.stdout()) ? /running on (http:\/\/127\.0\.0\.1:\d+)/.exec(start.stdout())?.[1] : undefined;
      },
      60_000,
    );
    // The banner lists the seeded catalog and a curl to paste.
    for (const entry of seed) expect(start.stdout()).toContain(entry.sku);
    const curlBody = /-d '(\{.*\})'/.exec(start.stdout())?.[1];
    expect(curlBody).toBeDefined();

    const java = childrenOf(start.child.pid!).filter((p) => p.cmdline.includes('DynamoDBLocal.jar'));
    expect(java).toHaveLength(1);
    const javaPid = java[0]!.pid;
    javaPids.add(javaPid);

    // The banner's own curl, sent as is.
    const accepted = await fetch(`${url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: curlBody });
    expect(accepted.status).toBe(202);
    const { orderId } = (await accepted.json()) as { orderId: string };
    const order = await until(
      'the order to be CONFIRMED',
      async () => {
        const body = (await (await fetch(`${url}/orders/${orderId}`)).json()) as { status?: string };
        return body.status === 'CONFIRMED' ? body : undefined;
      },
      20_000,
    );
    expect(order).toMatchObject({ orderId, status: 'CONFIRMED' });
    // The order is CONFIRMED before SendConfirmation has published and the execution has ended.
    const execution = await until(
      'the execution to end',
      async () => {
        const body = (await (await fetch(`${url}/_local/executions/${orderId}`)).json()) as { status: string };
        return body.status === 'RUNNING' ? undefined : body;
      },
      10_000,
    );
    expect(execution.status).toBe('SUCCEEDED');
    // One trace line per state event, and the outbox line, on stdout.
    await until('the trace of the execution', () => (new RegExp(`${orderId}\\s+\\(execution\\)\\s+SUCCEEDED`).test(start.stdout()) ? true : undefined), 5_000);
    for (const state of ['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'SendConfirmation']) {
      expect(start.stdout()).toMatch(new RegExp(`${orderId}\\s+${state}\\s+entered`));
      expect(start.stdout()).toMatch(new RegExp(`${orderId}\\s+${state}\\s+exited\\s+\\d+ ms`));
    }
    expect(start.stdout()).toMatch(new RegExp(`outbox .*eventType=OrderConfirmed orderId=${orderId}`));

    start.child.kill('SIGTERM');
    const finished = await start.done;
    expect({ code: finished.code, signal: finished.signal }).toEqual({ code: 0, signal: null });
    expect(finished.stdout).toContain('SIGTERM: stopping');
    // Stopped before npm start exited, not merely signalled.
    expect(isAlive(javaPid)).toBe(false);
    await expect(fetch(`${url}/orders/${orderId}`)).rejects.toThrow();
  }, 90_000);

  it('stops at start-up on a bad seed file, with one line naming the entry and the field (exit 1)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-pipeline-seed-'));
    try {
      const file = join(dir, 'catalog.json');
      writeFileSync(file, JSON.stringify([{ sku: 'OK-1', name: 'Fine', unitPrice: 100, currency: 'BRL', stock: 1 }, { sku: 'BAD-1', name: 'Bad', unitPrice: -1, currency: 'BRL', stock: 1 }]));
      const finished = await run('local/commands/start.ts', ['--port', '0', '--aws-port', '0', '--seed', file]).done;
      expect(finished.code).toBe(1);
      const lines = finished.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('entry 1 (BAD-1)');
      expect(lines[0]).toContain('field "unitPrice"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses a bad --port with one line and exit 2', async () => {
    const finished = await run('local/commands/start.ts', ['--port', 'eighty']).done;
    expect(finished.code).toBe(2);
    expect(finished.stderr.trim().split('\n')).toHaveLength(1);
    expect(finished.stderr).toContain('--port');
  }, 30_000);
});

describe('npm run invoke (node --import tsx local/commands/invoke.ts)', () => {
  it('--path examples/order.json --json: exit 0, stdout only the JSON outcome (orderId, CONFIRMED, total)', async () => {
    const example = JSON.parse(readFileSync(join(projectRoot, 'examples/order.json'), 'utf8')) as { items: Array<{ sku: string; quantity: number }> };
    const finished = await run('local/commands/invoke.ts', ['--path', 'examples/order.json', '--json']).done;
    expect(finished.code, finished.stderr).toBe(0);
    const outcome = JSON.parse(finished.stdout) as Record<string, unknown>; // throws if anything else is on stdout
    expect(outcome).toMatchObject({
      orderId: expect.any(String),
      status: 'CONFIRMED',
      total: example.items.reduce((sum, line) => sum + priceOf(line.sku) * line.quantity, 0),
      currency: 'BRL',
      execution: { status: 'SUCCEEDED' },
    });
    expect(outcome.reason).toBeUndefined();
  }, 60_000);

  it('a declined card: exit 0 (the execution succeeded), status REJECTED with its reason, the trace on stderr', async () => {
    const input = { customer: { id: 'c1', email: 'ana@example.com', name: 'Ana' }, items: [{ sku: 'SKU-3', quantity: 1 }], payment: { token: 'tok_chargeDeclined' } };
    const finished = await run('local/commands/invoke.ts', ['--data', JSON.stringify(input)]).done;
    expect(finished.code, finished.stderr).toBe(0);
    expect(JSON.parse(finished.stdout)).toMatchObject({ status: 'REJECTED', reason: 'PAYMENT_DECLINED', total: priceOf('SKU-3') });
    expect(finished.stderr).toMatch(/ValidatePayment\s+exited\s+caught ApiGateway\.402 -> RejectOrder/);
  }, 60_000);

  it('an execution that fails: exit 1, status FAILED, execution error OrderFailed (FAULTS reaches the handlers)', async () => {
    // The payment provider breaks once with an error nobody retries: compensated at once (VoidPayment's own call to
    // the provider works again), then FAILED at the Fail state OrderFailed.
    const input = { customer: { id: 'c1', email: 'ana@example.com', name: 'Ana' }, items: [{ sku: 'SKU-3', quantity: 1 }], payment: { token: 'tok_visa' } };
    const finished = await run('local/commands/invoke.ts', ['--data', JSON.stringify(input), '--json'], { FAULTS: 'payments:CardNetworkDown:1' }).done;
    expect(finished.code, finished.stderr).toBe(1);
    expect(JSON.parse(finished.stdout)).toMatchObject({ status: 'FAILED', execution: { status: 'FAILED', error: 'OrderFailed' } });
  }, 60_000);

  it.each([
    { what: 'an unknown flag', args: ['--bogus'], says: '--bogus' },
    { what: 'a missing file', args: ['--path', 'examples/no-such-order.json'], says: 'no-such-order.json' },
    { what: 'both --path and --data', args: ['--path', 'examples/order.json', '--data', '{}'], says: 'exactly one' },
    { what: 'input that is not JSON', args: ['--data', '{nope'], says: 'not valid JSON' },
  ])('$what: exit 2 with one line on stderr and nothing on stdout', async ({ args, says }) => {
    const finished = await run('local/commands/invoke.ts', args).done;
    expect(finished.code).toBe(2);
    expect(finished.stdout).toBe('');
    const lines = finished.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(says);
  }, 30_000);
});
