// npm run reconcile [-- --aws-port N | --endpoint URL] [--stuck-after MINUTES] [--json]
// Runs the reconciler once against a running `npm start`: the same handler (functions/reconcile), in this process,
// with the environment serverless.yml gives the function (stage local) and its AWS clients pointed at the stack's
// AWS endpoint - Step Functions, SNS, and DynamoDB forwarded - as the EventBridge schedule runs it on AWS. Prints
// what it did; exit 0 when the run completed, 1 when no stack answers or the run could not complete, 2 for bad
// arguments.
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { parseArgs } from 'node:util';
import type { ReconcileReport } from '../../services/reconciler.ts';
import { lambdaContext, type LocalLambda } from '../engine/lambdaRuntime.ts';
import { CloudFormationResolver } from '../stack/cloudFormation.ts';
import { reconcileRunCounts, RECONCILER_FUNCTION, reconcilerRuleName, scheduledEvent } from '../stack/reconcilerTimer.ts';
import { loadServerlessConfig, LOCAL_STAGE, type ServerlessConfig } from '../stack/serverlessConfig.ts';
import { DEFAULT_AWS_PORT } from '../stack/stack.ts';
import { awsEndpointFlag, commandFailure, type Fail } from './cli.ts';

const USAGE = 'usage: npm run reconcile [-- --aws-port N | --endpoint URL] [--stuck-after MINUTES] [--json]';
const HELP = `${USAGE}
  Runs the reconciler once on a running \`npm start\` (which also runs it every minute by itself): redrives the
  executions that stopped in compensation, or were aborted or timed out, up to reconcileRedriveCap times each;
  lists those past the cap or failed outside compensation (the scheduled runs alarm for them on the operations
  topic; a run by hand does not); reports the orders not final after reconcileStuckAfterMinutes with no execution
  running.
  --aws-port N            the stack's AWS endpoint port on 127.0.0.1 (default ${DEFAULT_AWS_PORT})
  --endpoint URL          the AWS endpoint's URL instead
  --stuck-after MINUTES   count orders as stuck after this many minutes (1 or more) instead of the stage param
  --json                  the run's report as JSON
exit codes: 0 the run completed; 1 no stack answers, or a call failed (the rest was done); 2 bad arguments
`;

const fail: Fail = commandFailure('npm run reconcile');

interface Flags {
  endpoint: string;
  stuckAfterMinutes?: number;
  json: boolean;
}

function parseFlags(): Flags {
  let values;
  try {
    values = parseArgs({
      options: {
        'aws-port': { type: 'string' },
        endpoint: { type: 'string' },
        'stuck-after': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return fail(`${(error as Error).message.split('\n')[0]} (${USAGE})`, 2);
  }
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const endpoint = awsEndpointFlag(values, DEFAULT_AWS_PORT, USAGE, fail);
  const flags: Flags = { endpoint, json: values.json ?? false };
  if (values['stuck-after'] !== undefined) {
    if (!/^\d{1,6}$/.test(values['stuck-after']) || Number(values['stuck-after']) < 1) {
      fail(`--stuck-after must be a whole number of minutes from 1 up, got "${values['stuck-after']}"`, 2);
    }
    flags.stuckAfterMinutes = Number(values['stuck-after']);
  }
  return flags;
}

/** The local stack on the endpoint, as DescribeStacks tells it; one line and exit 1 when nothing answers. */
async function findStack(endpoint: string): Promise<Stack> {
  const client = new CloudFormationClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({}));
    const stack = Stacks?.[0];
    if (!stack) return fail(`the endpoint ${endpoint} knows no stack: is it a local order-pipeline stack (npm start)?`, 1);
    return stack;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== undefined) return fail(`the endpoint ${endpoint} answered DescribeStacks with ${(error as Error).name}: is it a local order-pipeline stack (npm start)?`, 1);
    const code = (error as NodeJS.ErrnoException).code ?? (error as { cause?: { code?: string } }).cause?.code;
    return fail(`no local stack answers on ${endpoint}${code ? ` (${code})` : ''}: start one with \`npm start\`, or point at it with --aws-port N or --endpoint URL`, 1);
  } finally {
    client.destroy();
  }
}

/**
 * The reconcile function's environment as the local Lambda runtime gives it (local/engine/lambdaRuntime.ts): the
 * provider's, then the function's own, intrinsics resolved to the local stand-ins. NODE_OPTIONS would change this
 * process: left out, as the runtime does.
 */
function functionEnvironment(config: ServerlessConfig, resolver: CloudFormationResolver): Record<string, string> {
  const fn = config.functions?.[RECONCILER_FUNCTION];
  if (!fn) return fail(`serverless.yml has no function "${RECONCILER_FUNCTION}"`, 1);
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...(config.provider.environment ?? {}), ...(fn.environment ?? {}) })) {
    if (name === 'NODE_OPTIONS') continue;
    const resolved = resolver.resolve(value, `functions.${RECONCILER_FUNCTION}.environment.${name}`);
    environment[name] = typeof resolved === 'string' ? resolved : String(resolved);
  }
  return environment;
}

function print(report: ReconcileReport, stackName: string, endpoint: string): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`reconciled ${stackName} on ${endpoint}`);
  for (const line of reconcileRunCounts(report)) out(`  ${line}`);
  for (const note of [...report.redriven, ...report.pastCap, ...report.failedOutsideCompensation, ...report.notRedrivable]) {
    out(`  - ${note.verdict.padEnd(27)} ${note.orderId}  ${note.status}${note.state ? ` in ${note.state}` : ''}${note.verdict === 'redriven' && note.redriveCount !== undefined ? ` (redrive ${note.redriveCount + 1})` : ''}${note.detail ? `  (${note.detail})` : ''}`);
  }
  for (const order of report.stuckOrders) out(`  - stuck                       ${order.orderId}  ${order.status} since ${order.createdAt}, execution ${order.execution}`);
  if (report.pastCap.length + report.failedOutsideCompensation.length > 0) {
    out('  (a run by hand publishes no alarm: the scheduled runs alarm once for each of these, on the operations topic)');
  }
  if (report.compensated > 0) out(`  ${report.compensated} FAILED execution(s) ended at OrderFailed: compensated, nothing to do`);
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const stack = await findStack(flags.endpoint);
  let config: ServerlessConfig;
  try {
    config = await loadServerlessConfig({ stage: LOCAL_STAGE });
  } catch (error) {
    return fail((error as Error).message.split('\n')[0]!, 1);
  }
  const resolver = new CloudFormationResolver(config);
  const environment = functionEnvironment(config, resolver);
  const stackMachine = stack.Outputs?.find((output) => output.OutputValue === environment.STATE_MACHINE_ARN);
  if (!stackMachine) {
    fail(`the stack on ${flags.endpoint} (${stack.StackName}) does not run ${environment.STATE_MACHINE_ARN}, the state machine of this serverless.yml`, 1);
  }
  // What the local Lambda runtime adds (stack.ts), with every client on the AWS endpoint: it forwards DynamoDB.
  Object.assign(process.env, environment, {
    AWS_REGION: resolver.region,
    AWS_DEFAULT_REGION: resolver.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: flags.endpoint,
    AWS_ENDPOINT_URL_SFN: flags.endpoint,
    AWS_ENDPOINT_URL_SNS: flags.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: flags.endpoint,
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_METRICS_DISABLED: 'true',
    // This command prints the outcome itself; LOCAL_LOG_LEVEL=INFO shows the handler's own lines too.
    POWERTOOLS_LOG_LEVEL: process.env.LOCAL_LOG_LEVEL ?? 'SILENT',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    AWS_XRAY_LOG_LEVEL: 'silent',
    ...(flags.stuckAfterMinutes !== undefined ? { RECONCILE_STUCK_AFTER_MINUTES: String(flags.stuckAfterMinutes) } : {}),
  });
  // Imported only now: the handler reads its environment, and builds its clients, when it is loaded.
  const { handler } = await import('../../functions/reconcile/handler.ts');
  const { ReconcileIncomplete } = await import('../../services/reconciler.ts');
  const fn = config.functions![RECONCILER_FUNCTION]!;
  // intervalSeconds 0: a run by hand alarms for nothing; the scheduled runs (the timer in `npm start`) alarm, once.
  const event = scheduledEvent(new Date(), { region: resolver.region, accountId: resolver.accountId, ruleName: reconcilerRuleName(config, resolver) }, 0);
  const target = resolver.functions.get(RECONCILER_FUNCTION)!;
  const timeoutSeconds = Number(fn.timeout ?? config.provider.timeout ?? 6);
  const memorySize = Number(fn.memorySize ?? config.provider.memorySize ?? 1024);
  const context = lambdaContext({ ...target, memorySize } as LocalLambda, Date.now() + timeoutSeconds * 1000);
  let report: ReconcileReport;
  let incomplete = false;
  try {
    report = await handler(event, context);
  } catch (error) {
    if (!(error instanceof ReconcileIncomplete)) return fail(`the run failed: ${(error as Error).name}: ${(error as Error).message}`, 1);
    report = error.report;
    incomplete = true;
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else print(report, stack.StackName ?? '(local stack)', flags.endpoint);
  if (incomplete) {
    for (const { subject, error } of report.errors) process.stderr.write(`npm run reconcile: ${subject}: ${error}\n`);
    process.exit(1);
  }
  process.exit(0);
}

await main();
