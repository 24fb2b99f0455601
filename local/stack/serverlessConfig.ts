// The resolved service configuration, read from the same serverless.yml that deploys: `serverless print`
// resolves ${...} variables, params and ${file(...)} offline; CloudFormation intrinsics stay as objects.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/** Where printed configurations are kept, the usual place for a package's derived files. */
export function printCacheDir(cwd: string): string {
  return join(cwd, 'node_modules', '.cache', 'order-pipeline', 'serverless-print');
}

/**
 * What decides `serverless print`'s output here: serverless.yml, every file it reads with ${file(...)}, the
 * installed tree (osls and the plugins, through npm's record of it) and the stage. serverless.yml reads no
 * ${env:...} and no .env (a test over the file checks it), so the environment plays no part.
 */
export function printInputsHash(cwd: string, stage: string): string {
  const configFile = join(cwd, 'serverless.yml');
  const config = readFileSync(configFile, 'utf8');
  const hash = createHash('sha256').update(`stage=${stage}\0serverless.yml\0`).update(config);
  const referenced = [...config.matchAll(/\$\{file\(([^)]+)\)/g)].map((match) => match[1]!.trim()).sort();
  for (const file of [...new Set(referenced)]) {
    const path = resolve(cwd, file);
    hash.update(`\0${file}\0`).update(existsSync(path) ? readFileSync(path) : 'missing');
  }
  const installedTree = join(cwd, 'node_modules', '.package-lock.json');
  hash.update('\0installed\0').update(existsSync(installedTree) ? readFileSync(installedTree) : 'none');
  return hash.digest('hex').slice(0, 24);
}

/**
 * `serverless print --stage local --format json` with the project's own osls (about 2-4 s of CPU, offline), kept
 * by the hash of its inputs: every `npm start`, `npm run invoke` and test stack after the first reads the same
 * result in a millisecond. Any change to an input prints afresh; a broken cache file is printed over.
 */
export async function loadServerlessConfig(options: LoadConfigOptions = {}): Promise<ServerlessConfig> {
  const cwd = options.cwd ?? projectRoot;
  const stage = options.stage ?? LOCAL_STAGE;
  const cacheFile = join(printCacheDir(cwd), `${stage}-${printInputsHash(cwd, stage)}.json`);
  try {
    return parsePrintOutput(readFileSync(cacheFile, 'utf8'));
  } catch {
    // Not printed yet with these inputs (or the file is unreadable): print it.
  }
  const stdout = await printServerlessConfig(cwd, stage, options.timeoutMs);
  const config = parsePrintOutput(stdout);
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    // Written whole, then renamed: a reader never sees half a file, and two writers end with one.
    const partial = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(config));
    renameSync(partial, cacheFile);
  } catch {
    // A read-only checkout still works, printing each time.
  }
  return config;
}

async function printServerlessConfig(cwd: string, stage: string, timeoutMs = 60_000): Promise<string> {
  const bin = serverlessBin(cwd);
  const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*' };
  return new Promise<string>((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [bin, 'print', '--stage', stage, '--format', 'json'],
      { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
      (error, out, err) => {
        if (error) {
          const detail = (err || out || error.message).trim().split('\n').slice(-15).join('\n');
          reject(new Error(`serverless print --stage ${stage} failed:\n${detail}`));
        } else resolvePromise(out);
      },
    );
  });
}
