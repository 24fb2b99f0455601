// npm run invoke -- --path FILE | --data JSON [--seed FILE] [--json]
// The local twin of `sls invoke stepf`: a fresh local stack, one execution, the trace on stderr, the outcome as
// JSON on stdout; exit 0 when the execution succeeded, 1 when it failed, 2 for bad arguments.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { findJava, JAVA_MISSING_MESSAGE } from '../stack/dynamodbLocal.ts';
import type { ExecutionRecord } from '../engine/executions.ts';
import { startLocalStack, type LocalStack } from '../stack/stack.ts';
import { commandFailure, executionOutcome, parseStrictFlags, type Fail } from './cli.ts';

const USAGE = 'usage: npm run invoke -- --path FILE | --data JSON [--seed FILE] [--json]';

// Only the final JSON goes to stdout: everything else (handler logs included) is sent to stderr.
const writeStdout = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

const fail: Fail = commandFailure('npm run invoke');

interface Flags {
  input: unknown;
  seedFile?: string;
  json: boolean;
}

function parseFlags(): Flags {
  const values = parseStrictFlags(
    {
      path: { type: 'string' },
      data: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    fail,
  );
  if (values.help) {
    writeStdout(`${USAGE}\n`);
    process.exit(0);
  }
  if ((values.path === undefined) === (values.data === undefined)) fail(`give exactly one of --path FILE or --data JSON (${USAGE})`, 2);
  let text: string;
  let source: string;
  if (values.path !== undefined) {
    source = values.path;
    try {
      text = readFileSync(values.path, 'utf8');
    } catch (error) {
      fail(`cannot read ${values.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 2);
    }
  } else {
    source = '--data';
    text = values.data!;
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    fail(`${source} is not valid JSON: ${(error as Error).message}`, 2);
  }
  if (values.seed === '') fail('--seed needs a file', 2);
  return { input, json: values.json ?? false, ...(values.seed !== undefined ? { seedFile: values.seed } : {}) };
}

/** The outcome: the execution's output, completed from the order record (always read for a failed execution). */
export async function outcome(stack: LocalStack, record: ExecutionRecord): Promise<Record<string, unknown>> {
  const order = await stack.order(record.name).catch(() => undefined);
  return executionOutcome(record, order, { durationMs: (record.stopDate ?? new Date()).getTime() - record.startDate.getTime() });
}

async function main(): Promise<void> {
  const flags = parseFlags();
  if (!findJava()) fail(JAVA_MISSING_MESSAGE, 1);
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      port: 0,
      quiet: flags.json,
      log: (line) => process.stderr.write(`${line}\n`),
      ...(flags.seedFile !== undefined ? { seedFile: flags.seedFile } : {}),
    });
  } catch (error) {
    fail((error as Error).message, 1);
  }
  const stopAndExit = (code: number) => {
    void stack.stop().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => stopAndExit(130));
  process.on('SIGTERM', () => stopAndExit(143));
  try {
    // Like StartExecution without a name: a random one - unless the input names its order (orderId = execution name).
    const input = flags.input as { orderId?: unknown } | null;
    const name = input && typeof input === 'object' && typeof input.orderId === 'string' ? input.orderId : randomUUID();
    const started = stack.startExecution(flags.input, name);
    const record = await stack.waitForExecution(started.name);
    const result = await outcome(stack, record);
    if (!flags.json) {
      process.stderr.write(
        `\nexecution ${record.name} ${record.status}${record.error ? ` (${record.error})` : ''}: order ${String(result.status ?? '?')}${result.reason ? `/${String(result.reason)}` : ''}\n`,
      );
    }
    writeStdout(`${JSON.stringify(result, null, 2)}\n`);
    await stack.stop();
    process.exit(record.status === 'SUCCEEDED' ? 0 : 1);
  } catch (error) {
    process.stderr.write(`npm run invoke: ${(error as Error).message}\n`);
    await stack.stop();
    process.exit(1);
  }
}

await main();
