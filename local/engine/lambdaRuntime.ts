// Runs the service's Lambda handlers in this process: the environment serverless.yml gives them (intrinsics
// resolved to local targets), a Lambda-like context, the function timeout, and errors in Lambda's own shape.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { CloudFormationResolver } from '../stack/cloudFormation.ts';
import type { ServerlessConfig } from '../stack/serverlessConfig.ts';

const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];
/** Provider variables that would change this process rather than describe the function. */
const SKIPPED_ENV = new Set(['NODE_OPTIONS']);

export interface LocalLambda {
  key: string;
  name: string;
  arn: string;
  handler: string;
  timeoutSeconds: number;
  memorySize: number;
  environment: Record<string, string>;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;

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

export function lambdaContext(fn: LocalLambda, deadline: number, awsRequestId = randomUUID()): Context {
  const logStream = logStreamName();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: String(fn.memorySize),
    awsRequestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: logStream,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export class LambdaRuntime {
  readonly functions = new Map<string, LocalLambda>();
  private readonly byName = new Map<string, LocalLambda>();
  private readonly loaded = new Map<string, Promise<Handler>>();

  constructor(
    config: ServerlessConfig,
    resolver: CloudFormationResolver,
    private readonly root: string,
  ) {
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
   * One environment for all functions (they share this process). Variables that differ between functions
   * cannot both hold: they are returned as conflicts and the last function's value wins.
   */
  mergedEnvironment(): { env: Record<string, string>; conflicts: string[] } {
    const env: Record<string, string> = {};
    const conflicts = new Set<string>();
    for (const fn of this.functions.values()) {
      for (const [name, value] of Object.entries(fn.environment)) {
        if (name in env && env[name] !== value) conflicts.add(name);
        env[name] = value;
      }
    }
    return { env, conflicts: [...conflicts] };
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

  private load(fn: LocalLambda): Promise<Handler> {
    let handler = this.loaded.get(fn.key);
    if (!handler) {
      handler = (async () => {
        const file = this.handlerFile(fn);
        const exportName = fn.handler.slice(fn.handler.lastIndexOf('.') + 1);
        if (!file) throw new Error(`handler file for ${fn.key} not found: ${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}{${HANDLER_EXTENSIONS.join(',')}}`);
        const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
        const exported = mod[exportName];
        if (typeof exported !== 'function') throw new Error(`${file} has no exported function "${exportName}"`);
        return exported as Handler;
      })();
      handler.catch(() => this.loaded.delete(fn.key));
      this.loaded.set(fn.key, handler);
    }
    return handler;
  }

  /**
   * Invokes a function as Lambda would: a JSON copy of the event, a context, the function's timeout, a JSON copy
   * of the result. Rejects with a LambdaFunctionError (errorType = the thrown error's name).
   */
  async invoke(key: string, event: unknown): Promise<unknown> {
    const fn = this.functions.get(key);
    if (!fn) throw new Error(`no function "${key}" in serverless.yml`);
    const handler = await this.load(fn).catch((error: unknown) => {
      throw new LambdaFunctionError('Runtime.ImportModuleError', (error as Error).message, []);
    });
    const timeoutMs = fn.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    const context = lambdaContext(fn, deadline);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new LambdaFunctionError(
            'Sandbox.Timedout',
            `RequestId: ${context.awsRequestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
            [],
          ),
        );
      }, timeoutMs);
    });
    try {
      const eventCopy = event === undefined ? {} : JSON.parse(JSON.stringify(event));
      const result = await Promise.race([handler(eventCopy, context), timeout]);
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    } catch (error) {
      throw toLambdaError(error);
    } finally {
      clearTimeout(timer);
    }
  }
}
