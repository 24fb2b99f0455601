// npm run check:consistency [-- --url http://127.0.0.1:3000] [--wait SECONDS]
// Asks a running local stack (npm start) to check guarantees 1-4 on its tables and outbox (GET /_local/consistency),
// prints a summary and exits 1 with the first violations listed; 0 when they all hold; 2 when no stack answers.
import { describeViolations } from '../consistency/consistency.ts';
import type { ConsistencyReport } from '../consistency/snapshot.ts';
import { DEFAULT_PORT } from '../stack/stack.ts';
import { commandFailure, parseStrictFlags, type Fail } from './cli.ts';

const USAGE = 'usage: npm run check:consistency [-- --url http://127.0.0.1:3000] [--wait SECONDS]';

const fail: Fail = commandFailure('npm run check:consistency');

function parseFlags(): { url: string; waitSeconds: number } {
  const values = parseStrictFlags(
    { url: { type: 'string' }, wait: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    USAGE,
    fail,
  );
  if (values.help) {
    process.stdout.write(
      `${USAGE}\n  --url URL       the local stack (default http://127.0.0.1:PORT, PORT default ${DEFAULT_PORT})\n` +
        '  --wait SECONDS  wait this long for running executions to finish first (default 30)\n',
    );
    process.exit(0);
  }
  const url = (values.url ?? `http://127.0.0.1:${process.env.PORT || DEFAULT_PORT}`).replace(/\/+$/, '');
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    fail(`--url must be an http URL such as http://127.0.0.1:3000, got "${url}"`, 2);
  }
  const wait = values.wait ?? '30';
  if (!/^\d{1,4}$/.test(wait)) fail(`--wait must be a number of seconds, got "${wait}"`, 2);
  return { url, waitSeconds: Number(wait) };
}

async function ask(url: string): Promise<ConsistencyReport> {
  let response: Response;
  try {
    response = await fetch(`${url}/_local/consistency`, { signal: AbortSignal.timeout(60_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    fail(`no local stack answers on ${url} (${why}); start one with npm start, or pass --url`, 2);
  }
  const text = await response.text();
  if (response.status === 404 || response.status === 403) {
    fail(`${url} answers, but not as a local order-pipeline stack (GET /_local/consistency: ${response.status})`, 2);
  }
  if (!response.ok) fail(`the stack could not run the check (${response.status}): ${text.trim().slice(0, 300)}`, 2);
  try {
    return JSON.parse(text) as ConsistencyReport;
  } catch {
    fail(`${url}/_local/consistency did not answer JSON`, 2);
  }
}

async function main(): Promise<void> {
  const { url, waitSeconds } = parseFlags();
  let report = await ask(url);
  const deadline = Date.now() + waitSeconds * 1000;
  while ((report.executions?.RUNNING ?? 0) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    report = await ask(url);
  }
  const running = report.executions?.RUNNING ?? 0;
  const counts = Object.entries(report.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status} ${n}`);
  const executions = Object.entries(report.executions ?? {}).map(([status, n]) => `${status} ${n}`);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`${url}: ${report.orders} orders${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`);
  out(`  executions: ${executions.join(', ') || 'none'}`);
  out(`  authorizations: ${report.authorizations.AUTHORIZED} held, ${report.authorizations.VOIDED} voided; ${report.messages} notifications in the outbox`);
  if (running > 0) out(`  note: ${running} executions were still running after ${waitSeconds} s; their orders count as not final yet`);
  if (report.violations.length === 0) {
    out('0 violations: guarantees 1-4 hold');
    return;
  }
  out(`${report.violations.length} violations:`);
  out(describeViolations(report.violations));
  process.exitCode = 1;
}

await main();
