// The resolved service configuration, read from the same serverless.yml that deploys: `serverless print`
// resolves ${...} variables, params and ${file(...)} offline; CloudFormation intrinsics stay as objects.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOCAL_STAGE = 'local';

export type CfnValue = unknown;

export interface HttpEvent {
  path: string;
  method: string;
  private?: boolean;
  authorizer?: string | { type?: string; name?: string; arn?: string };
  [other: string]: unknown;
}

export interface FunctionConfig {
  handler: string;
  name?: string;
  timeout?: number;
  memorySize?: number;
  environment?: Record<string, CfnValue>;
  events?: Array<{ http?: HttpEvent | string; [other: string]: unknown }>;
  [other: string]: unknown;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  [other: string]: unknown;
}

export interface StateMachineConfig {
  id?: string;
  name?: string;
  type?: string;
  definition: Record<string, unknown>;
  [other: string]: unknown;
}

/** A template output as written in serverless.yml (intrinsics unresolved). */
export interface CfnOutput {
  Value: unknown;
  Description?: unknown;
  Export?: { Name?: unknown };
}

export interface ServerlessConfig {
  service: string | { name: string };
  provider: {
    name: string;
    stage: string;
    region?: string;
    timeout?: number;
    memorySize?: number;
    environment?: Record<string, CfnValue>;
    [other: string]: unknown;
  };
  functions?: Record<string, FunctionConfig>;
  stepFunctions?: { stateMachines?: Record<string, StateMachineConfig> };
  resources?: { Resources?: Record<string, CfnResource>; Outputs?: Record<string, CfnOutput> };
  [other: string]: unknown;
}

/** The project root: the folder holding serverless.yml (this file lives in <root>/local). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function serviceName(config: ServerlessConfig): string {
  return typeof config.service === 'string' ? config.service : config.service.name;
}

function serverlessBin(root: string): string {
  const require = createRequire(join(root, 'package.json'));
  const pkgJson = require.resolve('osls/package.json');
  return join(dirname(pkgJson), 'bin', 'serverless.js');
}

/** Parses `serverless print --format json` output; tolerates banner lines before the JSON. */
export function parsePrintOutput(stdout: string): ServerlessConfig {
  const start = stdout.indexOf('{');
  if (start < 0) throw new Error('serverless print produced no JSON');
  const config = JSON.parse(stdout.slice(start)) as ServerlessConfig;
  if (!config || typeof config !== 'object' || !config.provider) {
    throw new Error('serverless print output has no provider section');
  }
  return config;
}

export interface LoadConfigOptions {
  cwd?: string;
  stage?: string;
  /** Milliseconds before giving up on `serverless print`. */
  timeoutMs?: number;
}

/** Runs `serverless print --stage local --format json` with the project's own osls (about 2-4 s, offline). */
export async function loadServerlessConfig(options: LoadConfigOptions = {}): Promise<ServerlessConfig> {
  const cwd = options.cwd ?? projectRoot;
  const stage = options.stage ?? LOCAL_STAGE;
  const bin = serverlessBin(cwd);
  const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*' };
  const stdout = await new Promise<string>((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [bin, 'print', '--stage', stage, '--format', 'json'],
      { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 60_000 },
      (error, out, err) => {
        if (error) {
          const detail = (err || out || error.message).trim().split('\n').slice(-15).join('\n');
          reject(new Error(`serverless print --stage ${stage} failed:\n${detail}`));
        } else resolvePromise(out);
      },
    );
  });
  return parsePrintOutput(stdout);
}
