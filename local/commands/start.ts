// npm start [-- --port N] [--aws-port N] [--seed FILE] [--persist DIR]: the whole pipeline on this laptop until Ctrl-C.
import { formatMoney } from '../../domain/money.ts';
import { awsEnvironmentLine } from '../aws/endpoint.ts';
import { findJava, JAVA_MISSING_MESSAGE } from '../stack/dynamodbLocal.ts';
import { interruptedExecutionsNotice } from '../engine/executions.ts';
import { DEFAULT_RECONCILE_EVERY_SECONDS } from '../stack/reconcilerTimer.ts';
import { DEFAULT_AWS_PORT, DEFAULT_PORT, startLocalStack, type InventoryItem, type LocalStack } from '../stack/stack.ts';
import { commandFailure, parseStrictFlags, type Fail } from './cli.ts';

const USAGE = 'usage: npm start [-- --port N] [--aws-port N] [--seed FILE] [--persist DIR] [--reconcile-every SECONDS]';

const fail: Fail = commandFailure('npm start');
/** Signals closer together than this are one Ctrl-C (see the handler in main). */
const SAME_CTRL_C_MS = 1000;

interface StartFlags {
  port?: number;
  awsPort: number;
  /** 0: off. */
  reconcileEveryMs: number;
  seedFile?: string;
  persistDir?: string;
}

function portFlag(flag: string, value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) fail(`${flag} must be a number from 0 to 65535, got "${value}"`, 2);
  return Number(value);
}

function parseFlags(): StartFlags {
  const values = parseStrictFlags(
    {
      port: { type: 'string' },
      'aws-port': { type: 'string' },
      seed: { type: 'string' },
      persist: { type: 'string' },
      'reconcile-every': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
    fail,
  );
  if (values.help) {
    process.stdout.write(`${USAGE}\n  --port N       HTTP port on 127.0.0.1 (default PORT or ${DEFAULT_PORT})\n  --aws-port N   the local AWS endpoint's port on 127.0.0.1 (default ${DEFAULT_AWS_PORT}; 0 picks a free one)\n  --reconcile-every SECONDS  run the reconciler this often, as its schedule does on AWS (default ${DEFAULT_RECONCILE_EVERY_SECONDS}; 0 = off)\n  --seed FILE    catalog seed (default local/seed/catalog.json)\n  --persist DIR  keep DynamoDB data, the outbox and executions in DIR between runs\n  LOCAL_API_KEY  when set, private routes need this x-api-key\n`);
    process.exit(0);
  }
  const every = values['reconcile-every'] ?? String(DEFAULT_RECONCILE_EVERY_SECONDS);
  if (!/^\d{1,6}$/.test(every)) fail(`--reconcile-every must be a whole number of seconds (0 = off), got "${every}"`, 2);
  const out: StartFlags = {
    awsPort: values['aws-port'] === undefined ? DEFAULT_AWS_PORT : portFlag('--aws-port', values['aws-port']),
    reconcileEveryMs: Number(every) * 1000,
  };
  const port = values.port ?? process.env.PORT;
  if (port !== undefined) out.port = portFlag('--port', port);
  if (values.seed !== undefined) {
    if (values.seed === '') fail('--seed needs a file', 2);
    out.seedFile = values.seed;
  }
  if (values.persist !== undefined) {
    if (values.persist === '') fail('--persist needs a folder', 2);
    out.persistDir = values.persist;
  }
  return out;
}

function banner(stack: LocalStack, inventory: InventoryItem[], persistDir: string | undefined): string {
  const apiKey = process.env.LOCAL_API_KEY;
  // The seed's order when this run seeded the catalog, else the persisted catalog by SKU.
  const seedIndex = new Map(stack.seeded.map((entry, index) => [entry.sku, index]));
  const rank = (sku: string) => seedIndex.get(sku) ?? seedIndex.size;
  const catalog = [...inventory].sort((a, b) => rank(a.sku) - rank(b.sku));
  const first = catalog[0];
  const body = JSON.stringify({
    customer: { id: 'cust-1', email: 'ana@example.com', name: 'Ana Souza' },
    items: [{ sku: first?.sku ?? 'SKU-1', quantity: 1 }],
    payment: { token: 'tok_visa' },
  });
  const rows = catalog.map(
    (item) => `  ${item.sku.padEnd(10)} ${item.name.padEnd(42)} ${formatMoney({ amount: item.unitPrice, currency: item.currency }).padStart(14)}   stock ${item.available}`,
  );
  return [
    '',
    `order-pipeline is running on ${stack.url}  (stage ${stack.resolver.stage}, DynamoDB Local ${persistDir ? `in ${persistDir}` : 'in memory'})`,
    `Console: ${stack.url}/   (executions, graph, timeline, events, orders; live)`,
    '',
    `Catalog (${catalog.length} SKUs${stack.seeded.length === 0 && catalog.length > 0 ? ', kept from the last run' : ''}):`,
    ...rows,
    '',
    'Place an order:',
    `  curl -s -X POST ${stack.url}/orders -H 'content-type: application/json'${apiKey ? ` -H 'x-api-key: ${apiKey}'` : ''} \\`,
    `    -d '${body}'`,
    '',
    'Then follow it:',
    `  curl -s ${stack.url}/orders/<orderId>${apiKey ? ` -H 'x-api-key: ${apiKey}'` : ''}`,
    `  curl -s ${stack.url}/_local/executions/<orderId>    # state-by-state history`,
    `  curl -s ${stack.url}/_local/outbox                  # notifications (SNS goes here)`,
    '',
    `AWS endpoint (Step Functions, CloudFormation, SNS, DynamoDB) on ${stack.awsEndpoint}: for the AWS CLI, SDKs and sls invoke stepf,`,
    `  ${awsEnvironmentLine(stack.awsEndpoint, stack.resolver.region, stack.accessKeyId)}`,
    `  npx sls invoke stepf --name ${stack.stateMachineKey} --path examples/order.json --stage ${stack.resolver.stage}`,
    '',
    ...interruptedExecutionsNotice(stack.executions, stack.awsEndpoint === `http://127.0.0.1:${DEFAULT_AWS_PORT}` ? '' : ` --endpoint ${stack.awsEndpoint}`),
    apiKey ? 'Private routes need the x-api-key above (LOCAL_API_KEY).' : 'API keys are not checked (set LOCAL_API_KEY=... to require one on private routes).',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const flags = parseFlags();
  if (!findJava()) fail(JAVA_MISSING_MESSAGE, 1);
  process.stdout.write('Starting DynamoDB Local and reading serverless.yml...\n');
  const startedAt = Date.now();
  let stack: LocalStack;
  try {
    stack = await startLocalStack(flags);
  } catch (error) {
    fail((error as Error).message, 1);
  }
  // One Ctrl-C in a terminal reaches this process twice under `npm start`: the terminal signals the whole
  // foreground process group, and npm forwards its own copy. A repeat within SAME_CTRL_C_MS is that copy; only a
  // later one, while the stop is still under way, forces the exit.
  let stoppingSince: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < SAME_CTRL_C_MS) return;
      process.stderr.write(`\n${signal} again: exiting now (DynamoDB Local is killed)\n`);
      process.exit(130);
    }
    stoppingSince = Date.now();
    process.stdout.write(`\n${signal}: stopping (DynamoDB Local included)... Ctrl-C again to force\n`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stopping failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const catalog = await stack.inventory();
  process.stdout.write(banner(stack, catalog, flags.persistDir));
  process.stdout.write(`Ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.\n\n`);
}

await main();
