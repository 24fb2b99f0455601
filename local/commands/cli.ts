// What the local commands share: one-line failures, strict flags, the local AWS endpoint flags, the outcome of an
// execution as `npm run invoke` and `npm run redrive` print it.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export type Fail = (message: string, code: number) => never;

/** A command's way out: one line on stderr, named after the command, then exit with `code`. */
export function commandFailure(command: string): Fail {
  return (message, code) => {
    process.stderr.write(`${command}: ${message}\n`);
    process.exit(code);
  };
}

/** Strict flags, no positionals; an unknown or malformed flag exits 2 with its first line and the usage. */
export function parseStrictFlags<O extends ParseArgsOptionsConfig>(options: O, usage: string, fail: Fail) {
  try {
    return parseArgs({ options, strict: true as const, allowPositionals: false as const }).values;
  } catch (error) {
    return fail(`${(error as Error).message.split('\n')[0]} (${usage})`, 2);
  }
}

/**
 * `--aws-port N` or `--endpoint URL` (not both): the local AWS endpoint of a running `npm start`; default
 * http://127.0.0.1:<defaultPort>.
 */
export function awsEndpointFlag(values: { 'aws-port'?: string | undefined; endpoint?: string | undefined }, defaultPort: number, usage: string, fail: Fail): string {
  if (values['aws-port'] !== undefined && values.endpoint !== undefined) fail(`give --aws-port or --endpoint, not both (${usage})`, 2);
  if (values['aws-port'] !== undefined) {
    const port = values['aws-port'];
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) fail(`--aws-port must be a number from 1 to 65535, got "${port}"`, 2);
    return `http://127.0.0.1:${Number(port)}`;
  }
  if (values.endpoint === undefined) return `http://127.0.0.1:${defaultPort}`;
  let url: URL;
  try {
    url = new URL(values.endpoint);
  } catch {
    return fail(`--endpoint must be a URL such as http://127.0.0.1:${defaultPort}, got "${values.endpoint}"`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`--endpoint must be an http(s) URL, got "${values.endpoint}"`, 2);
  return values.endpoint.replace(/\/+$/, '');
}

/** What an execution tells of its order, as DescribeExecution (or the local registry) has it. */
export interface ExecutionFacts {
  name: string;
  status: string;
  output?: string | undefined;
  error?: string | undefined;
  cause?: string | undefined;
}

/**
 * The outcome `npm run invoke` and `npm run redrive` print: the execution's output, completed from the order record
 * (which a failed execution has no output for), then the execution itself with `extra` facts.
 */
export function executionOutcome(
  execution: ExecutionFacts,
  order: Record<string, unknown> | undefined,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  let output: Record<string, unknown> = {};
  if (execution.output !== undefined) {
    const parsed = JSON.parse(execution.output) as unknown;
    output = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { output: parsed };
  }
  const pick = (field: string) => output[field] ?? order?.[field];
  const status = pick('status') ?? (execution.status === 'SUCCEEDED' ? undefined : 'FAILED');
  const present = (field: string) => (pick(field) !== undefined ? { [field]: pick(field) } : {});
  return {
    orderId: pick('orderId') ?? execution.name,
    ...(status !== undefined ? { status } : {}),
    ...present('reason'),
    ...present('total'),
    ...present('currency'),
    ...output,
    execution: {
      name: execution.name,
      status: execution.status,
      ...(execution.error !== undefined ? { error: execution.error } : {}),
      ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
      ...extra,
    },
  };
}
