// npm run redrive -- <orderId> [--aws-port N | --endpoint URL] [--json]
// Redrives the execution of one order on a running `npm start`, through its AWS endpoint (RedriveExecution, as
// `aws stepfunctions redrive-execution` does on AWS), waits for it to stop and prints the outcome as
// `npm run invoke` does: the new events on stderr, the outcome as JSON on stdout.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SFNClient,
  SFNServiceException,
  type DescribeExecutionCommandOutput,
  type HistoryEvent as SdkHistoryEvent,
} from '@aws-sdk/client-sfn';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { parseArgs } from 'node:util';
import { formatTraceLine, type HistoryEvent } from '../engine/executionHistory.ts';
import { DEFAULT_AWS_PORT } from '../stack/stack.ts';
import { awsEndpointFlag, commandFailure, executionOutcome, type Fail } from './cli.ts';

const USAGE = 'usage: npm run redrive -- <orderId> [--aws-port N | --endpoint URL] [--json]';
const HELP = `${USAGE}
  Redrives the execution of order <orderId> (its execution name) on a running \`npm start\`: a FAILED, ABORTED
  or TIMED_OUT execution resumes at the state it stopped in; the states that succeeded are not run again.
  Waits for it to stop; prints its new events on stderr and the outcome as JSON on stdout.
  --aws-port N    the stack's AWS endpoint port on 127.0.0.1 (default ${DEFAULT_AWS_PORT})
  --endpoint URL  the AWS endpoint's URL instead (e.g. http://127.0.0.1:4566)
  --json          only the outcome JSON (no events on stderr)
exit codes: 0 the redriven execution succeeded; 1 it failed again (FAILED, TIMED_OUT or ABORTED), or the stack
  stopped answering while it ran; 2 bad arguments, no stack answering, no execution for that order, or an
  execution that cannot be redriven (RUNNING, SUCCEEDED, stopped more than 14 days ago, ...)
`;
const POLL_MS = 250;

const fail: Fail = commandFailure('npm run redrive');

interface Flags {
  orderId: string;
  endpoint: string;
  json: boolean;
}

function parseFlags(): Flags {
  let parsed;
  try {
    parsed = parseArgs({
      options: { 'aws-port': { type: 'string' }, endpoint: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    return fail(`${(error as Error).message.split('\n')[0]} (${USAGE})`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  if (positionals.length !== 1 || positionals[0] === '') fail(`give exactly one order id (${USAGE})`, 2);
  const endpoint = awsEndpointFlag(values, DEFAULT_AWS_PORT, USAGE, fail);
  return { orderId: positionals[0]!, endpoint, json: values.json ?? false };
}

/** Any AWS client for the local endpoint: one attempt (a stack that is not there is said at once), local credentials. */
function clientConfig(endpoint: string) {
  return {
    endpoint,
    region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
}

/** An answer from something that speaks AWS's protocol (an error of the service), as against no answer at all. */
function isServiceAnswer(error: unknown): boolean {
  return error instanceof SFNServiceException || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== undefined;
}

function unreachable(endpoint: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return `no local stack answers on ${endpoint}${code ? ` (${code})` : ''}: start one with \`npm start\`, or point at it with --aws-port N or --endpoint URL`;
}

/** The execution ARN of this order: its name under the stack's state machine (the local stack runs one). */
async function findExecution(sfn: SFNClient, endpoint: string, orderId: string): Promise<string> {
  let machines: string[];
  try {
    const listed = await sfn.send(new ListStateMachinesCommand({}));
    machines = (listed.stateMachines ?? []).map((machine) => machine.stateMachineArn!);
  } catch (error) {
    return fail(isServiceAnswer(error) ? `the endpoint ${endpoint} answered ListStateMachines with ${(error as Error).name}: ${(error as Error).message}` : unreachable(endpoint, error), 2);
  }
  for (const machine of machines) {
    const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${orderId}`;
    try {
      await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return executionArn;
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) continue;
      if (!isServiceAnswer(error)) return fail(unreachable(endpoint, error), 2);
      return fail(`DescribeExecution ${executionArn}: ${(error as Error).name}: ${(error as Error).message}`, 2);
    }
  }
  return fail(`no execution for order ${orderId} on the stack at ${endpoint} (the execution name is the order id)`, 2);
}

/** SDK events back in the history's own format (ISO timestamps), for the trace lines. */
function asHistoryEvent(event: SdkHistoryEvent): HistoryEvent {
  return { ...(event as unknown as HistoryEvent), timestamp: event.timestamp!.toISOString() };
}

/** The order record, read through the endpoint (CloudFormation names the table; DynamoDB is forwarded); undefined if that fails. */
async function orderRecord(endpoint: string, orderId: string): Promise<Record<string, unknown> | undefined> {
  try {
    const { Stacks } = await new CloudFormationClient(clientConfig(endpoint)).send(new DescribeStacksCommand({}));
    const table = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'OrdersTableName')?.OutputValue;
    if (!table) return undefined;
    const { Item } = await new DynamoDBClient(clientConfig(endpoint)).send(new GetItemCommand({ TableName: table, Key: { orderId: { S: orderId } }, ConsistentRead: true }));
    return Item ? unmarshall(Item) : undefined;
  } catch {
    return undefined;
  }
}

/** The outcome in `npm run invoke`'s shape: the execution's output, completed from the order record. */
function outcome(described: DescribeExecutionCommandOutput, order: Record<string, unknown> | undefined): Record<string, unknown> {
  return executionOutcome({ ...described, name: described.name ?? '', status: described.status ?? 'UNKNOWN' }, order, {
    redriveCount: described.redriveCount ?? 0,
    ...(described.redriveDate ? { redriveDate: described.redriveDate.toISOString() } : {}),
    ...(described.redriveDate && described.stopDate ? { durationMs: described.stopDate.getTime() - described.redriveDate.getTime() } : {}),
  });
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const sfn = new SFNClient(clientConfig(flags.endpoint));
  const executionArn = await findExecution(sfn, flags.endpoint, flags.orderId);

  let redriveDate: Date;
  try {
    ({ redriveDate } = (await sfn.send(new RedriveExecutionCommand({ executionArn }))) as { redriveDate: Date });
  } catch (error) {
    if (error instanceof ExecutionNotRedrivable) fail(`the execution of order ${flags.orderId} cannot be redriven: ${error.message}`, 2);
    if (!isServiceAnswer(error)) fail(unreachable(flags.endpoint, error), 2);
    fail(`RedriveExecution ${executionArn}: ${(error as Error).name}: ${(error as Error).message}`, 2);
  }
  if (!flags.json) process.stderr.write(`redriving ${flags.orderId} (${executionArn}) at ${redriveDate.toISOString()}; Ctrl-C stops waiting, not the execution\n`);
  process.on('SIGINT', () => {
    process.stderr.write(`\nnpm run redrive: stopped waiting; the execution of ${flags.orderId} goes on on the stack\n`);
    process.exit(130);
  });

  // Follow it: the events from its ExecutionRedriven on (the last one), one trace line each, until it stops.
  let printed = -1;
  let state: string | undefined;
  let described: DescribeExecutionCommandOutput;
  for (;;) {
    try {
      described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (!flags.json) {
        const events: SdkHistoryEvent[] = [];
        let nextToken: string | undefined;
        do {
          const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
          events.push(...(page.events ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
        if (printed < 0) printed = events.findLastIndex((event) => event.type === 'ExecutionRedriven');
        for (const event of events.slice(Math.max(printed, 0))) {
          const history = asHistoryEvent(event);
          if (event.type?.endsWith('StateEntered')) state = event.stateEnteredEventDetails?.name;
          const line = formatTraceLine(flags.orderId, history, event.type?.startsWith('Execution') || !state ? {} : { state });
          if (line !== undefined) process.stderr.write(`${line}\n`);
        }
        printed = Math.max(printed, events.length);
      }
    } catch (error) {
      fail(`the stack at ${flags.endpoint} stopped answering while the execution of ${flags.orderId} ran: ${(error as Error).message}`, 1);
    }
    if (described.status !== 'RUNNING') break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }

  const result = outcome(described, await orderRecord(flags.endpoint, flags.orderId));
  if (!flags.json) {
    process.stderr.write(
      `\nexecution ${flags.orderId} ${described.status}${described.error ? ` (${described.error})` : ''} after redrive ${described.redriveCount ?? 0}: order ${String(result.status ?? '?')}${result.reason ? `/${String(result.reason)}` : ''}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(described.status === 'SUCCEEDED' ? 0 : 1);
}

await main();
