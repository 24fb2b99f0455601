// The whole local stack, wired: DynamoDB Local with the tables of serverless.yml and the catalog seed, the
// handlers (each function in a worker thread of its own), the local AWS endpoint (Step Functions + SNS outbox),
// the state machine, the HTTP API.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { parseFaults } from '../../lib/faults.ts';
import { LocalApiGateway } from '../api/apiGateway.ts';
import { localPaths } from '../api/localPaths.ts';
import { consolePaths } from '../console/server.ts';
import { CloudFormationApi, localStackOutputs, type LocalStackDescription } from '../aws/cloudFormation.ts';
import { DynamoDbForwarder } from '../aws/dynamodb.ts';
import { AwsEndpoint } from '../aws/endpoint.ts';
import { SnsApi } from '../aws/sns.ts';
import { StepFunctionsApi, type StateMachineDescription } from '../aws/stepFunctions.ts';
import { CloudFormationResolver } from './cloudFormation.ts';
import { findJava, JavaMissingError, startDynamoDbLocal, type DynamoDbLocal } from './dynamodbLocal.ts';
import { ExecutionRegistry, type ExecutionRecord } from '../engine/executions.ts';
import { LambdaRuntime } from '../engine/lambdaRuntime.ts';
import { Outbox } from './outbox.ts';
import { acquirePersistLock, type PersistLock } from './persistLock.ts';
import { startReconcilerTimer, type ReconcilerTimer } from './reconcilerTimer.ts';
import { loadServerlessConfig, projectRoot, type ServerlessConfig, type StateMachineConfig } from './serverlessConfig.ts';
import { consistencyReport, type ConsistencyReport } from '../consistency/snapshot.ts';
import { LocalStepFunctions, type RetryIntervalOverrides } from '../engine/stepFunctions.ts';
import { createTables, loadSeedFile, seedInventory, tableDefinitions, type SeedEntry } from './tables.ts';

export const DEFAULT_PORT = 3000;
/** The local AWS endpoint's port under `npm start` (the port AWS tools' local setups usually expect). */
export const DEFAULT_AWS_PORT = 4566;
export const DEFAULT_SEED_FILE = join(projectRoot, 'local', 'seed', 'catalog.json');
const INVENTORY_LOGICAL_ID = 'InventoryTable';
const ORDERS_LOGICAL_ID = 'OrdersTable';

export interface LocalStackOptions {
  /** HTTP API port on 127.0.0.1; default PORT or 3000; 0 picks a free one. */
  port?: number;
  /** The local AWS endpoint's port on 127.0.0.1; default 0 (a free one). `npm start` asks for 4566. */
  awsPort?: number;
  /** Run the reconciler Lambda this often (ms), as its EventBridge schedule does on AWS; absent or 0: never (tests). */
  reconcileEveryMs?: number;
  /** Catalog seed file; default local/seed/catalog.json. */
  seedFile?: string;
  /** Keep DynamoDB data, the outbox and finished executions in this folder between runs. */
  persistDir?: string;
  /** No trace, outbox or handler log lines (warnings still go to stderr). */
  quiet?: boolean;
  /** Retry waits in ms: a number for every state with a Retry (0 in tests), or per state name. Default: as declared. */
  retryIntervalOverrides?: RetryIntervalOverrides;
  /** A config already printed by `serverless print --stage local` (tests load it once per run). */
  config?: ServerlessConfig;
  /** Required x-api-key for `private: true` methods; default LOCAL_API_KEY (unset: not checked). */
  apiKey?: string;
  /** POWERTOOLS_LOG_LEVEL for the handlers; default LOCAL_LOG_LEVEL, else SILENT when quiet, else serverless.yml's. */
  logLevel?: string;
  /** Where trace and outbox lines go; default stdout. */
  log?: (line: string) => void;
  /** Which stepFunctions.stateMachines entry to run; default the first. */
  stateMachine?: string;
  /**
   * Use this running DynamoDB Local instead of starting one (tests share one per run). It must run without
   * -sharedDb, so that `accessKeyId` picks this stack's own database.
   */
  dynamodbEndpoint?: string;
  /** The access key every client of this stack uses; default "local". */
  accessKeyId?: string;
  /**
   * FAULTS for the handlers (lib/faults.ts), e.g. "payments:TransientError:2"; default the FAULTS environment
   * variable. A malformed value stops start-up with a message naming the bad entry.
   */
  faults?: string;
}

export interface InventoryItem {
  sku: string;
  name: string;
  unitPrice: number;
  currency: string;
  available: number;
}

export interface LocalStack {
  url: string;
  port: number;
  /** The local AWS endpoint (Step Functions, SNS, CloudFormation, DynamoDB): the handlers' and the user's tools'. */
  awsEndpoint: string;
  /** The access key and region the AWS endpoint's callers should use (DynamoDB Local keeps one database per pair). */
  accessKeyId: string;
  /** The stepFunctions.stateMachines key this stack runs (what `sls invoke stepf --name` takes). */
  stateMachineKey: string;
  dynamodbEndpoint: string;
  config: ServerlessConfig;
  resolver: CloudFormationResolver;
  outbox: Outbox;
  executions: ExecutionRegistry;
  stepFunctions: LocalStepFunctions;
  lambda: LambdaRuntime;
  api: LocalApiGateway;
  /** A low-level client on DynamoDB Local. */
  dynamodb: DynamoDBClient;
  /** Table names by logical id, and whether this start created them. */
  tables: Map<string, { tableName: string; created: boolean }>;
  /** The seed entries written at start (empty when a persisted catalog was kept). */
  seeded: SeedEntry[];
  /** Stock per SKU when the catalog was seeded (kept in the persist folder, so a kept catalog knows it too). */
  initialStock: Record<string, number>;
  /** Guarantees 1-4 checked on the tables and the outbox now; accepted orders default to every execution started. */
  checkConsistency(acceptedOrderIds?: string[]): Promise<ConsistencyReport>;
  /** Starts an execution of the state machine (name: a random UUID when omitted), like StartExecution. */
  startExecution(input: unknown, name?: string): ExecutionRecord;
  /** Resolves when the execution has stopped. */
  waitForExecution(name: string, timeoutMs?: number): Promise<ExecutionRecord>;
  /** The Inventory table's items. */
  inventory(): Promise<InventoryItem[]>;
  /** The order record in the Orders table, if any. */
  order(orderId: string): Promise<Record<string, unknown> | undefined>;
  /** The reconciler's timer, when `reconcileEveryMs` set one (its runNow() and lastReport serve the load run). */
  reconciler?: ReconcilerTimer | undefined;
  stop(): Promise<void>;
}

let active: Promise<LocalStack> | undefined;

/** Sets variables of this process; returns a function that puts the previous values back. */
function installEnvironment(vars: Record<string, string | undefined>): () => void {
  const previous: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(vars)) {
    previous[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/**
 * The stock each SKU was seeded with: from this start's seed, or, when a persisted catalog was kept, from the
 * record written when it was seeded (without it, conservation of stock cannot be checked for that catalog).
 */
function recordInitialStock(
  seeded: SeedEntry[],
  persistDir: string | undefined,
  warn: (line: string) => void,
): { stock: Record<string, number>; seededAt?: string } {
  const file = persistDir ? join(persistDir, 'initial-stock.json') : undefined;
  if (seeded.length > 0) {
    const record = { seededAt: new Date().toISOString(), stock: Object.fromEntries(seeded.map((entry) => [entry.sku, entry.stock])) };
    if (file) writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
    return record;
  }
  if (!file) return { stock: {} };
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { seededAt?: string; stock?: Record<string, number> } | Record<string, number>;
    // Before seededAt was kept, the file was the stock map itself.
    return 'stock' in saved && typeof saved.stock === 'object' ? (saved as { seededAt?: string; stock: Record<string, number> }) : { stock: saved as Record<string, number> };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') warn(`cannot read ${file}: ${(error as Error).message}`);
    return { stock: {} };
  }
}

/** DescribeStateMachine's view of the local state machine, from its serverless.yml entry. */
function stateMachineDescription(
  engine: LocalStepFunctions,
  smConfig: StateMachineConfig,
  resolver: CloudFormationResolver,
  creationDate: Date,
): StateMachineDescription {
  const where = 'stepFunctions.stateMachines';
  const logging = (smConfig.loggingConfig ?? {}) as { level?: string; includeExecutionData?: boolean; destinations?: unknown[] };
  const destinations = (logging.destinations ?? []).map((destination) => ({
    cloudWatchLogsLogGroup: { logGroupArn: String(resolver.resolve(destination, `${where}.loggingConfig.destinations`)) },
  }));
  return {
    stateMachineArn: engine.stateMachineArn,
    name: engine.name,
    type: smConfig.type === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
    roleArn: engine.roleArn,
    definition: JSON.stringify(engine.definition),
    creationDate,
    loggingConfiguration: {
      level: (logging.level ?? 'OFF') as StateMachineDescription['loggingConfiguration']['level'],
      includeExecutionData: logging.includeExecutionData === true,
      ...(destinations.length > 0 ? { destinations } : {}),
    },
    tracingConfiguration: { enabled: (smConfig.tracingConfig as { enabled?: boolean } | undefined)?.enabled === true },
  };
}

export function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // A malformed FAULTS stops start-up before anything is started, naming the bad entry.
  try {
    parseFaults(options.faults ?? process.env.FAULTS);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  if (active) return Promise.reject(new Error('a local stack is already running in this process (FAULTS and their counts are per process); stop it first'));
  const starting = start(options);
  active = starting;
  starting.catch(() => {
    active = undefined;
  });
  return starting;
}

async function start(options: LocalStackOptions): Promise<LocalStack> {
  const faults = options.faults ?? process.env.FAULTS;
  if (!findJava()) throw new JavaMissingError();
  const quiet = options.quiet ?? false;
  const log = quiet ? undefined : (options.log ?? ((line: string) => process.stdout.write(`${line}\n`)));
  const warn = (line: string) => process.stderr.write(`[local] ${line}\n`);
  const persistDir = options.persistDir ? resolve(options.persistDir) : undefined;
  if (persistDir) mkdirSync(persistDir, { recursive: true });

  // A bad seed stops start-up before anything is started.
  const explicitSeed = options.seedFile !== undefined;
  const seed = await loadSeedFile(options.seedFile ?? DEFAULT_SEED_FILE);

  // Everything started so far, stopped in a fixed order: no new requests, no running executions, then the rest.
  const started: {
    ddb?: DynamoDbLocal;
    dynamodb?: DynamoDBClient;
    api?: LocalApiGateway;
    stepFunctions?: LocalStepFunctions;
    lambda?: LambdaRuntime;
    endpoints?: AwsEndpoint;
    outbox?: Outbox;
    registry?: ExecutionRegistry;
    restoreEnv?: () => void;
    lock?: PersistLock;
    reconciler?: ReconcilerTimer;
  } = {};
  const cleanup = async () => {
    const steps: Array<() => unknown> = [
      () => started.api?.close(),
      () => started.reconciler?.stop(),
      () => started.stepFunctions?.stop(),
      () => started.lambda?.stop(),
      () => started.endpoints?.close(),
      () => started.outbox?.save(),
      () => started.registry?.save(),
      () => started.restoreEnv?.(),
      () => started.dynamodb?.destroy(),
      () => started.ddb?.stop(),
      () => started.lock?.release(),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        warn(`stopping: ${(error as Error).message}`);
      }
    }
    for (const key of Object.keys(started)) delete started[key as keyof typeof started];
  };

  try {
    if (persistDir) {
      started.lock = await acquirePersistLock(persistDir);
      if (started.lock.orphanStopped) warn(`stopped DynamoDB Local (pid ${started.lock.orphanStopped}) left running in ${persistDir} by a stack that was killed`);
    }
    // The DynamoDB Local this stack uses: one it starts (and stops), or one given by the caller.
    const startDynamoDb = async (): Promise<{ endpoint: string; owned?: DynamoDbLocal }> => {
      if (options.dynamodbEndpoint) return { endpoint: options.dynamodbEndpoint };
      const owned = await startDynamoDbLocal(persistDir ? { dbPath: join(persistDir, 'dynamodb') } : {});
      started.lock?.recordDynamoDb(owned.pid);
      return { endpoint: owned.endpoint, owned };
    };
    // serverless print (~2-4 s) and DynamoDB Local (~1-2 s) start side by side.
    const [configResult, ddbResult] = await Promise.allSettled([
      options.config ? Promise.resolve(options.config) : loadServerlessConfig(),
      startDynamoDb(),
    ]);
    if (ddbResult.status === 'fulfilled' && ddbResult.value.owned) started.ddb = ddbResult.value.owned;
    if (configResult.status === 'rejected') throw configResult.reason;
    if (ddbResult.status === 'rejected') throw ddbResult.reason;
    const config = configResult.value;
    const ddb = ddbResult.value;
    const accessKeyId = options.accessKeyId ?? 'local';

    const resolver = new CloudFormationResolver(config);
    const smKey = options.stateMachine ?? [...resolver.stateMachines.keys()][0];
    const target = smKey === undefined ? undefined : resolver.stateMachines.get(smKey);
    if (!target) throw new Error(`no state machine ${smKey ?? ''} under stepFunctions.stateMachines in serverless.yml`);
    const smConfig = config.stepFunctions!.stateMachines![target.key]!;

    const dynamodb = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: resolver.region,
      credentials: { accessKeyId, secretAccessKey: 'local' },
    });
    started.dynamodb = dynamodb;
    const topicArns = new Set(resolver.resourcesOfType('AWS::SNS::Topic').map(({ logicalId }) => resolver.ref(logicalId) as string));
    const outbox = new Outbox(topicArns, log, persistDir ? join(persistDir, 'outbox.json') : undefined);
    const registry = new ExecutionRegistry(target.arn, persistDir ? join(persistDir, 'executions.json') : undefined);
    started.outbox = outbox;
    started.registry = registry;
    const lambda = new LambdaRuntime(config, resolver, projectRoot);
    started.lambda = lambda;
    // The functions run from their deploy bundles (built once, then kept while their sources stay the same).
    await lambda.prepareBundles();
    // Filled in once the catalog is seeded; read by /_local/consistency.
    let snapshotSource: Parameters<typeof consistencyReport>[0] | undefined;
    const checkConsistency = (acceptedOrderIds?: string[]) => {
      if (!snapshotSource) return Promise.reject(new Error('the stack is still starting'));
      return consistencyReport(snapshotSource, registry, acceptedOrderIds);
    };
    // The console (local/console/server.ts): its page at / and its API under /_console/, in front of the /_local
    // paths. It reads this stack once it is up (set below; the engine and the tables come after the API).
    let consoleStack: LocalStack | undefined;
    const api = new LocalApiGateway(config, lambda, {
      stage: resolver.stage,
      apiId: resolver.apiId,
      accountId: resolver.accountId,
      apiKey: options.apiKey ?? (process.env.LOCAL_API_KEY || undefined),
      localPaths: consolePaths(localPaths(outbox, registry, () => checkConsistency()), () => consoleStack),
      warn,
    });
    const stepFunctions = new LocalStepFunctions({
      definition: smConfig.definition,
      resolver,
      target,
      deps: { lambda, api, resolver, dynamodb, outbox, topicArns },
      registry,
      ...(log ? { trace: log } : {}),
      ...(options.retryIntervalOverrides !== undefined ? { retryIntervalOverrides: options.retryIntervalOverrides } : {}),
    });
    started.stepFunctions = stepFunctions;

    const stackDescription: LocalStackDescription = {
      stackName: `${resolver.service}-${resolver.stage}`,
      stackId: String(resolver.ref('AWS::StackId')),
      creationTime: new Date(),
      outputs: [],
    };
    const endpoints = new AwsEndpoint({
      stepFunctions: new StepFunctionsApi(stepFunctions, stateMachineDescription(stepFunctions, smConfig, resolver, stackDescription.creationTime)),
      sns: new SnsApi(outbox),
      cloudFormation: new CloudFormationApi(stackDescription),
      dynamodb: new DynamoDbForwarder(ddb.endpoint, accessKeyId, resolver.region),
    });
    started.endpoints = endpoints;
    const awsEndpoint = await endpoints.listen(options.awsPort ?? 0);

    const missing = lambda.missingHandlers();
    if (missing.length > 0) warn(`no handler file yet for: ${missing.map((fn) => `${fn.key} (${fn.handler})`).join(', ')}`);
    // Each function's instance gets its own serverless.yml environment, then these (nothing of this process's).
    lambda.setRuntimeEnvironment({
      PATH: process.env.PATH,
      POWERTOOLS_LOG_LEVEL: options.logLevel ?? process.env.LOCAL_LOG_LEVEL ?? (quiet ? 'SILENT' : undefined),
      POWERTOOLS_TRACE_ENABLED: 'false',
      // With tracing off, X-Ray's automatic mode only costs: its cls-hooked context turns on async_hooks' destroy
      // tracking for every promise of the function's thread (about a sixth of its CPU per order). Manual mode
      // creates no context (aws-xray-sdk-core, lib/context_utils.js); the Tracer traces nothing either way here.
      AWS_XRAY_MANUAL_MODE: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      AWS_XRAY_LOG_LEVEL: 'silent',
      AWS_REGION: resolver.region,
      AWS_DEFAULT_REGION: resolver.region,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: awsEndpoint,
      AWS_ENDPOINT_URL_SFN: awsEndpoint,
      AWS_ENDPOINT_URL_SNS: awsEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    });
    // FAULTS are decided in this process, for every function (lib/faults.ts).
    started.restoreEnv = installEnvironment({ FAULTS: faults || undefined });

    const tables = await createTables(dynamodb, tableDefinitions(resolver));
    const inventoryTable = tables.get(INVENTORY_LOGICAL_ID);
    if (!inventoryTable) throw new Error(`serverless.yml has no ${INVENTORY_LOGICAL_ID} to seed the catalog into`);
    const seeded = explicitSeed || inventoryTable.created ? seed : [];
    if (seeded.length > 0) await seedInventory(dynamodb, inventoryTable.tableName, seeded);
    const { stock: initialStock, seededAt } = recordInitialStock(seeded, persistDir, warn);
    snapshotSource = { dynamodb, tables, outbox, initialStock, ...(seededAt ? { seededAt } : {}) };

    const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${String(port)}`);
    started.api = api;
    const listening = await api.listen(port);
    const hasHttpApi = api.routes.length > 0;
    stackDescription.outputs = localStackOutputs(config, resolver, hasHttpApi ? listening.url : undefined);

    const doc = DynamoDBDocumentClient.from(dynamodb);
    const ordersTable = tables.get(ORDERS_LOGICAL_ID)?.tableName;
    let stopping: Promise<void> | undefined;
    const stack: LocalStack = {
      url: listening.url,
      port: listening.port,
      awsEndpoint,
      accessKeyId,
      stateMachineKey: target.key,
      dynamodbEndpoint: ddb.endpoint,
      config,
      resolver,
      outbox,
      executions: registry,
      stepFunctions,
      lambda,
      api,
      dynamodb,
      tables,
      seeded,
      initialStock,
      checkConsistency,
      startExecution: (input, name) =>
        stepFunctions.startExecution({ input: JSON.stringify(input ?? {}), ...(name !== undefined ? { name } : {}) }).record,
      waitForExecution: (name, timeoutMs) => stepFunctions.waitForExecution(name, timeoutMs),
      async inventory() {
        const items: InventoryItem[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await doc.send(new ScanCommand({ TableName: inventoryTable.tableName, ExclusiveStartKey: start }));
          items.push(...((page.Items ?? []) as InventoryItem[]));
          start = page.LastEvaluatedKey;
        } while (start);
        return items.sort((a, b) => a.sku.localeCompare(b.sku, 'en', { numeric: true }));
      },
      async order(orderId) {
        if (!ordersTable) throw new Error(`serverless.yml has no ${ORDERS_LOGICAL_ID}`);
        return (await doc.send(new GetCommand({ TableName: ordersTable, Key: { orderId } }))).Item;
      },
      stop() {
        stopping ??= (async () => {
          await cleanup();
          active = undefined;
        })();
        return stopping;
      },
    };
    consoleStack = stack;
    if (options.reconcileEveryMs) started.reconciler = startReconcilerTimer(stack, { intervalMs: options.reconcileEveryMs, ...(log ? { log } : {}), warn });
    stack.reconciler = started.reconciler;
    return stack;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

