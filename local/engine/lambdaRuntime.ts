// Runs the service's Lambda handlers as Lambda does: each function in an instance of its own (a worker thread,
// lambdaWorker.ts) with its own modules and the environment serverless.yml gives it (intrinsics resolved to local
// targets), started on its first invocation (its cold start); a Lambda-like context, the function timeout, and
// errors in Lambda's own shape. FAULTS are decided here, in the main thread, for every instance (lib/faults.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { activeOutages, countCalls, takeFault, type FaultAdapter } from '../../lib/faults.ts';
import type { CloudFormationResolver } from '../stack/cloudFormation.ts';
import type { ServerlessConfig } from '../stack/serverlessConfig.ts';
import type { CallCounts, FromWorker, InvocationContext, ToWorker, WorkerData } from './lambdaWorker.ts';

const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];
/**
 * Variables for Lambda's runtime rather than the function: Node applies NODE_OPTIONS to a worker thread too, and
 * here tsx enables the source maps serverless.yml asks for with it.
 */
const SKIPPED_ENV = new Set(['NODE_OPTIONS']);
/** The worker entry, and the TypeScript loader it runs with (resolved here: it must not depend on the cwd). */
const WORKER_URL = new URL('./lambdaWorker.ts', import.meta.url);
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/**
 * This process's profiling flags (`node --cpu-prof`), passed on to every instance: an explicit execArgv replaces the
 * process's, and a profile of the stack should show its functions' threads too (one .cpuprofile per thread).
 */
const PROFILING_FLAGS = process.execArgv.filter((arg) => /^--(cpu-prof|heap-prof)/.test(arg));

export interface LocalLambda {
  key: string;
  name: string;
  arn: string;
  handler: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
}

/** A function error as Lambda reports it; Step Functions names the task error after `errorType`. */
export class LambdaFunctionError extends Error {
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    readonly trace: string[],
  ) {
    super(errorMessage);
    this.name = errorType;
  }

  /** The Cause string Step Functions records for a lambda:invoke task that failed with this error. */
  get stepFunctionsCause(): string {
    return JSON.stringify({ errorType: this.errorType, errorMessage: this.errorMessage, trace: this.trace });
  }
}

export function toLambdaError(error: unknown): LambdaFunctionError {
  if (error instanceof LambdaFunctionError) return error;
  if (error instanceof Error) {
    return new LambdaFunctionError(error.name || 'Error', error.message, (error.stack ?? '').split('\n'));
  }
  // A thrown non-Error, as the Node.js runtime reports it (aws-lambda-nodejs-runtime-interface-client, formatError).
  return new LambdaFunctionError(typeof error, String(error), []);
}

function envString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${where} is not a string after resolving intrinsics: ${JSON.stringify(value)}`);
}

/** The function name a FunctionName parameter means: a name, an ARN or a partial ARN, with or without a qualifier. */
export function functionNameOf(reference: string): string {
  const afterFunction = reference.includes(':function:') ? reference.slice(reference.indexOf(':function:') + 10) : reference;
  return afterFunction.split(':')[0]!;
}

function logStreamName(): string {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/** What a function's context holds, as it travels to the instance (a deadline instead of a clock function). */
export function invocationContext(fn: LocalLambda, deadline: number, awsRequestId = randomUUID(), logStream = logStreamName()): InvocationContext {
  return {
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memorySize),
    awsRequestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: logStream,
    deadline,
  };
}

/** The Lambda context a handler gets, from its serialisable part. */
export function contextFrom(fields: InvocationContext): Context {
  const { deadline, ...context } = fields;
  return {
    callbackWaitsForEmptyEventLoop: true,
    ...context,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function lambdaContext(fn: LocalLambda, deadline: number, awsRequestId = randomUUID()): Context {
  return contextFrom(invocationContext(fn, deadline, awsRequestId));
}

/**
 * How many invocations one instance runs at once; the others wait for a turn, their timeout not started yet (as an
 * invocation waits while Lambda starts an environment for it). Unbounded, a burst (npm run load has hundreds of
 * executions in flight) piles hundreds of calls into one instance, where they queue for the SDK client's 50 sockets
 * until they time out, and a timed-out handler still finishes its writes. 16 kept a loaded 2-core machine at full
 * throughput with no timeouts; 4 and 8 made the waits outlast the workflow's TimeoutSeconds, 32 brought the timeouts
 * back.
 */
export const INSTANCE_CONCURRENCY = 16;

/**
 * Whether a fault may be due now: FAULTS set (lib/faults.ts reads it at every call, so it may be set at any time) or
 * an adapter down. While not, the instances let adapter calls through without asking this thread - a message each
 * way per call, about 9 round trips and 1 ms of CPU per order (npm run bench) - and report their calls.
 */
export function faultsArmed(): boolean {
  return Boolean(process.env.FAULTS?.trim()) || activeOutages().length > 0;
}

function countCallsOf(calls: CallCounts | undefined): void {
  if (!calls) return;
  for (const [adapter, count] of Object.entries(calls)) countCalls(adapter as FaultAdapter, count);
}

/** Runtime.ExitError, as Lambda reports a runtime that exited (seen in AWS's own log lines). */
function exitError(requestId: string, code: number): LambdaFunctionError {
  return new LambdaFunctionError('Runtime.ExitError', `RequestId: ${requestId} Error: Runtime exited with error: exit status ${code}`, []);
}

/** An invocation waiting for its instance's answer. */
interface Pending {
  requestId: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One instance of a function (what Lambda calls an execution environment): a worker thread. */
interface Instance {
  fn: LocalLambda;
  worker: Worker;
  logStreamName: string;
  /** Settles once the handler module is imported (the Init phase). */
  ready: Promise<void>;
  /** Invocations sent to the thread and not answered yet. */
  pending: Map<number, Pending>;
  /** Turns granted (at most INSTANCE_CONCURRENCY), and the invocations waiting for one (true: granted). */
  turns: number;
  waiting: Array<(granted: boolean) => void>;
  /** Reset (after a timeout or a crash): takes no new invocations, ends once the ones it runs are answered. */
  retired: boolean;
  exited: Promise<void>;
}

export class LambdaRuntime {
  readonly functions = new Map<string, LocalLambda>();
  private readonly byName = new Map<string, LocalLambda>();
  /** The instance new invocations of each function go to. */
  private readonly current = new Map<string, Instance>();
  /** Every instance whose thread has not exited yet, current or retired. */
  private readonly live = new Set<Instance>();
  private runtimeEnvironment: Record<string, string> = {};
  private nextInvocationId = 0;
  private stopped = false;
  /** faultsArmed() as the instances were last told it. */
  private armedAsTold = false;
  /** serverless.yml's `custom.esbuild`: how each function is bundled for deploy, and here. */
  private readonly esbuildConfig: Record<string, unknown> | undefined;
  /** Per function key, its bundle (prepareBundles); a function without one runs from its sources through tsx. */
  private readonly bundles = new Map<string, string>();
  /** The worker entry, bundled; with it and a function's bundle, an instance starts with no loader at all. */
  private workerBundle: string | undefined;

  constructor(
    config: ServerlessConfig,
    resolver: CloudFormationResolver,
    private readonly root: string,
  ) {
    this.esbuildConfig = (config.custom as { esbuild?: Record<string, unknown> } | undefined)?.esbuild;
    const providerEnv = config.provider.environment ?? {};
    for (const [key, fn] of Object.entries(config.functions ?? {})) {
      const target = resolver.functions.get(key)!;
      const raw = { ...providerEnv, ...(fn.environment ?? {}) };
      const environment: Record<string, string> = {};
      for (const [name, value] of Object.entries(raw)) {
        if (SKIPPED_ENV.has(name)) continue;
        environment[name] = envString(resolver.resolve(value, `functions.${key}.environment.${name}`), `functions.${key}.environment.${name}`);
      }
      const lambda: LocalLambda = {
        key,
        name: target.name,
        arn: target.arn,
        handler: fn.handler,
        timeoutSeconds: Number(fn.timeout ?? config.provider.timeout ?? 6),
        memorySize: Number(fn.memorySize ?? config.provider.memorySize ?? 1024),
        environment,
      };
      this.functions.set(key, lambda);
      this.byName.set(lambda.name, lambda);
    }
  }

  /** The function a FunctionName / ARN names, or undefined. */
  find(reference: string): LocalLambda | undefined {
    return this.byName.get(functionNameOf(reference)) ?? this.functions.get(reference);
  }

  /**
   * What every instance gets on top of its function's own environment, as Lambda's runtime adds its own
   * variables: the local endpoints, credentials, region, log level (undefined: not set). Instances started
   * from now on get it.
   */
  setRuntimeEnvironment(vars: Record<string, string | undefined>): void {
    this.runtimeEnvironment = Object.fromEntries(Object.entries(vars).filter((entry): entry is [string, string] => entry[1] !== undefined));
  }

  /**
   * The whole environment an instance of this function gets: its serverless.yml environment, the variables Lambda
   * defines for every function (AWS docs, "Defined runtime environment variables"), and the runtime environment.
   * Powertools reports a cold start only when AWS_LAMBDA_INITIALIZATION_TYPE is on-demand.
   */
  environmentOf(fn: LocalLambda, logStream = logStreamName()): Record<string, string> {
    return {
      ...fn.environment,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      ...this.runtimeEnvironment,
    };
  }

  /**
   * Bundles every function as serverless-esbuild does for deploy (handlerBundles.ts), and the worker entry, kept
   * between runs while their inputs stay the same. Instances started from now on load those bundles.
   */
  async prepareBundles(): Promise<void> {
    // Loaded here, not at the top: the worker entry imports this module, and must not carry esbuild with it.
    const { esbuildOptionsOf, HandlerBundler } = await import('./handlerBundles.ts');
    const bundler = new HandlerBundler(this.root, esbuildOptionsOf(this.esbuildConfig));
    const built = await Promise.all(
      [...this.functions.values()].map(async (fn) => {
        const file = this.handlerFile(fn);
        return [fn.key, file ? await bundler.bundle(file) : undefined] as const;
      }),
    );
    for (const [key, bundle] of built) if (bundle) this.bundles.set(key, bundle);
    this.workerBundle = await bundler.bundle(fileURLToPath(WORKER_URL), {
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      // Its few packages load from node_modules as usual; esbuild stays out (prepareBundles imports it lazily).
      packages: 'external',
    });
  }

  /** The handler's module file, or undefined when it does not exist (yet). */
  handlerFile(fn: LocalLambda): string | undefined {
    const modulePath = fn.handler.slice(0, fn.handler.lastIndexOf('.'));
    for (const ext of HANDLER_EXTENSIONS) {
      const file = join(this.root, modulePath + ext);
      if (existsSync(file)) return file;
    }
    return undefined;
  }

  missingHandlers(): LocalLambda[] {
    return [...this.functions.values()].filter((fn) => !this.handlerFile(fn));
  }

  /** Instances whose thread is still running, per function key (retired ones still answering included). */
  runningInstances(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const instance of this.live) counts[instance.fn.key] = (counts[instance.fn.key] ?? 0) + 1;
    return counts;
  }

  /** The function's instance, started (cold) when it has none. */
  private instanceOf(fn: LocalLambda): Instance {
    const existing = this.current.get(fn.key);
    if (existing) return existing;
    const file = this.bundles.get(fn.key) ?? this.handlerFile(fn);
    if (!file) {
      throw new LambdaFunctionError(
        'Runtime.ImportModuleError',
        `handler file for ${fn.key} not found: ${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}{${HANDLER_EXTENSIONS.join(',')}}`,
        [],
      );
    }
    const logStream = logStreamName();
    const workerData: WorkerData = { file, exportName: fn.handler.slice(fn.handler.lastIndexOf('.') + 1), faultsArmed: faultsArmed() };
    const bundled = this.workerBundle !== undefined && this.bundles.has(fn.key);
    const worker = new Worker(bundled ? pathToFileURL(this.workerBundle!) : WORKER_URL, {
      name: fn.name,
      workerData,
      env: this.environmentOf(fn, logStream),
      execArgv: bundled ? PROFILING_FLAGS : ['--import', TSX_LOADER, ...PROFILING_FLAGS],
      stdout: true,
      stderr: true,
    });
    // The stack's servers keep this process alive, not its functions' instances.
    worker.unref();
    // The handlers' log lines go where this process's own go, read at write time (npm run invoke redirects them).
    worker.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk));
    worker.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    let markReady!: () => void;
    let failInit!: (error: Error) => void;
    const ready = new Promise<void>((resolveReady, rejectReady) => {
      markReady = resolveReady;
      failInit = rejectReady;
    });
    ready.catch(() => undefined);
    let markExited!: () => void;
    const instance: Instance = {
      fn,
      worker,
      logStreamName: logStream,
      ready,
      pending: new Map(),
      turns: 0,
      waiting: [],
      retired: false,
      exited: new Promise((resolveExit) => (markExited = resolveExit)),
    };
    this.current.set(fn.key, instance);
    this.live.add(instance);

    const failAll = (errorFor: (pending: Pending) => Error) => {
      for (const [id, pending] of [...instance.pending]) {
        this.settle(instance, id);
        pending.reject(errorFor(pending));
      }
    };
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          markReady();
          return;
        case 'init-failed':
          failInit(new LambdaFunctionError('Runtime.ImportModuleError', message.message, []));
          this.reset(instance);
          return;
        case 'fault': {
          let answer: ToWorker;
          try {
            answer = { type: 'fault', id: message.id, fault: takeFault(message.adapter, message.method) };
          } catch (error) {
            answer = { type: 'fault', id: message.id, configError: (error as Error).message };
          }
          worker.postMessage(answer);
          return;
        }
        case 'result':
        case 'error': {
          countCallsOf(message.calls);
          // Undefined when the invocation timed out already.
          const pending = this.settle(instance, message.id);
          if (message.type === 'result') pending?.resolve(JSON.parse(message.payload));
          else pending?.reject(new LambdaFunctionError(message.error.errorType, message.error.errorMessage, message.error.trace));
          return;
        }
        case 'crashed':
          countCallsOf(message.calls);
          // Which of its invocations crashed it cannot be told: each one it was running fails with the error.
          failInit(new LambdaFunctionError(message.error.errorType, message.error.errorMessage, message.error.trace));
          this.reset(instance);
          failAll(() => new LambdaFunctionError(message.error.errorType, message.error.errorMessage, message.error.trace));
          return;
      }
    });
    worker.on('error', (error) => {
      const lambdaError = toLambdaError(error);
      failInit(lambdaError);
      this.reset(instance);
      failAll(() => lambdaError);
    });
    worker.on('exit', (code) => {
      this.live.delete(instance);
      this.reset(instance);
      const stopped = () => new Error('the local Lambda runtime stopped');
      failInit(this.stopped ? stopped() : exitError(randomUUID(), code));
      failAll((pending) => (this.stopped ? stopped() : exitError(pending.requestId, code)));
      markExited();
    });
    return instance;
  }

  /**
   * Lambda resets an execution environment whose function timed out or crashed (AWS docs, "Lambda execution
   * environment lifecycle", Invoke phase): the next invocation starts a new instance. This instance's other
   * invocations, which on Lambda would run in environments of their own, may still finish first.
   */
  private reset(instance: Instance): void {
    instance.retired = true;
    if (this.current.get(instance.fn.key) === instance) this.current.delete(instance.fn.key);
    // Those waiting for a turn go to the function's next instance.
    for (const wake of instance.waiting.splice(0)) wake(false);
    if (instance.pending.size === 0) void instance.worker.terminate();
  }

  /** A turn on the instance: at once when it runs fewer than INSTANCE_CONCURRENCY, else when one ends (false: it was reset). */
  private turn(instance: Instance): Promise<boolean> {
    if (instance.retired) return Promise.resolve(false);
    if (instance.turns < INSTANCE_CONCURRENCY) {
      instance.turns += 1;
      return Promise.resolve(true);
    }
    return new Promise((wake) => instance.waiting.push(wake));
  }

  /** Ends an invocation's wait for its answer: its timer, its turn (passed on), and a reset instance once idle. */
  private settle(instance: Instance, id: number): Pending | undefined {
    const pending = instance.pending.get(id);
    if (!pending) return undefined;
    instance.pending.delete(id);
    clearTimeout(pending.timer);
    const next = instance.retired ? undefined : instance.waiting.shift();
    if (next) next(true);
    else instance.turns -= 1;
    if (instance.retired && instance.pending.size === 0) void instance.worker.terminate();
    return pending;
  }

  /**
   * Invokes a function as Lambda would: a JSON copy of the event, a context, the function's timeout (from the end of
   * a cold start's Init phase), a JSON copy of the result. Rejects with a LambdaFunctionError (errorType = the thrown
   * error's name).
   */
  async invoke(key: string, event: unknown): Promise<unknown> {
    const fn = this.functions.get(key);
    if (!fn) throw new Error(`no function "${key}" in serverless.yml`);
    if (this.stopped) throw new Error(`the local Lambda runtime stopped: ${key} cannot be invoked`);
    let eventJson: string;
    try {
      eventJson = JSON.stringify(event === undefined ? {} : event);
    } catch (error) {
      throw toLambdaError(error);
    }
    // An instance reset while this invocation waited for it (another one timed out or crashed it): the next one.
    for (let attempt = 0; attempt < 10; attempt++) {
      if (this.stopped) break;
      const instance = this.instanceOf(fn);
      await instance.ready;
      if (await this.turn(instance)) return this.send(instance, fn, eventJson);
    }
    if (this.stopped) throw new Error(`the local Lambda runtime stopped: ${key} cannot be invoked`);
    throw new LambdaFunctionError('Runtime.ExitError', `${key}: its instances keep being reset before they can be invoked`, []);
  }

  /** Sends the invocation to the instance, with the function timeout starting now. */
  private send(instance: Instance, fn: LocalLambda, eventJson: string): Promise<unknown> {
    const timeoutMs = fn.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    const context = invocationContext(fn, deadline, randomUUID(), instance.logStreamName);
    const id = ++this.nextInvocationId;
    const armed = this.tellFaultsArmed(instance);
    return new Promise<unknown>((resolveInvocation, rejectInvocation) => {
      const timer = setTimeout(() => {
        this.reset(instance);
        this.settle(instance, id);
        rejectInvocation(
          new LambdaFunctionError(
            'Sandbox.Timedout',
            `RequestId: ${context.awsRequestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
            [],
          ),
        );
      }, timeoutMs);
      instance.pending.set(id, { requestId: context.awsRequestId, resolve: resolveInvocation, reject: rejectInvocation, timer });
      instance.worker.postMessage({ type: 'invoke', id, event: eventJson, context, faultsArmed: armed } satisfies ToWorker);
    });
  }

  /**
   * faultsArmed() now, which the invocation about to go to `instance` carries; when it changed since the instances
   * were last told, every other instance is told at once too, so that the calls of invocations already running
   * follow an outage or a FAULTS set between two invocations from the next message on.
   */
  private tellFaultsArmed(instance: Instance): boolean {
    const armed = faultsArmed();
    if (armed !== this.armedAsTold) {
      this.armedAsTold = armed;
      for (const other of this.live) if (other !== instance) other.worker.postMessage({ type: 'faults-armed', faultsArmed: armed } satisfies ToWorker);
    }
    return armed;
  }

  /** Ends every instance; invocations still running fail. Later invocations are refused. */
  async stop(): Promise<void> {
    this.stopped = true;
    const instances = [...this.live];
    this.current.clear();
    await Promise.all(
      instances.map(async (instance) => {
        await instance.worker.terminate();
        await instance.exited;
      }),
    );
  }
}
