// Timing cold starts: each sample is a fresh Node process (bench/coldStart/runner.mjs) that imports one handler
// module with the environment Lambda gives that function, so the init measured is the one AWS runs (tracing on,
// source maps on). Each module runs back to back with its floor, round after round: drift on a shared machine then
// lands on both alike, and each ratio is taken within a round.
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { withPlaceholders } from '../../tests/definition/definition.ts';
import type { CloudFormationResource } from '../../tests/deploy/packaged.ts';

const RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'runner.mjs');

export interface ColdStartModule {
  /** A function's name, or a floor's key. */
  key: string;
  file: string;
  exportName: string;
  env: Record<string, string>;
}

export interface ColdStartSample {
  /** Wall-clock time of `await import(handler)`: the module's initialisation. */
  initMs: number;
  /** CPU time (user + system, all threads) the process spent in that import. */
  cpuMs: number;
}

/**
 * The environment of one function as Lambda sets it: its own variables from the packaged template (references
 * replaced by placeholder names: they are only read, never called, at import), and the variables Lambda defines
 * for every function (Lambda developer guide, "Defined runtime environment variables": _HANDLER, AWS_REGION,
 * AWS_EXECUTION_ENV, AWS_LAMBDA_FUNCTION_*, AWS_LAMBDA_INITIALIZATION_TYPE, LAMBDA_TASK_ROOT, the role's
 * credentials, TZ; with active tracing AWS_XRAY_CONTEXT_MISSING=LOG_ERROR and AWS_XRAY_DAEMON_ADDRESS). Nothing is
 * inherited from this process: no POWERTOOLS_TRACE_ENABLED=false from a test setup, no tsx loader in NODE_OPTIONS.
 * With AWS_EXECUTION_ENV set and POWERTOOLS_TRACE_ENABLED unset, Powertools' Tracer is on, as on AWS.
 */
export function lambdaEnvironment(resource: CloudFormationResource, taskRoot: string): Record<string, string> {
  const properties = resource.Properties ?? {};
  const functionName = String(properties.FunctionName);
  const runtime = String(properties.Runtime);
  const own = withPlaceholders((properties.Environment?.Variables ?? {}) as Record<string, unknown>);
  const region = 'us-east-1';
  const env: Record<string, string> = {
    PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    _HANDLER: String(properties.Handler),
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(properties.MemorySize ?? 1024),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]00000000000000000000000000000000',
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
    LAMBDA_TASK_ROOT: taskRoot,
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    // Placeholders: nothing calls AWS during init.
    AWS_ACCESS_KEY_ID: 'ASIAXXXXXXXXXXXXXXXX',
    AWS_SECRET_ACCESS_KEY: 'placeholder-secret-access-key',
    AWS_SESSION_TOKEN: 'placeholder-session-token',
    ...(properties.TracingConfig?.Mode === 'Active'
      ? { AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR', AWS_XRAY_DAEMON_ADDRESS: '169.254.79.129:2000' }
      : {}),
  };
  for (const [name, value] of Object.entries(own)) env[name] = String(value);
  return env;
}

async function sample(module: ColdStartModule): Promise<ColdStartSample> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [RUNNER, pathToFileURL(module.file).href, module.exportName], {
      env: module.env,
      cwd: module.env.LAMBDA_TASK_ROOT,
      timeout: 60_000,
      maxBuffer: 1024 * 1024,
    });
    const { initMs, cpuMs } = JSON.parse(stdout) as ColdStartSample;
    return { initMs, cpuMs };
  } catch (error) {
    const failure = error as Error & { stderr?: string };
    throw new Error(`${module.key}: importing ${module.file} failed: ${failure.stderr || failure.message}`);
  }
}

/** A small deterministic PRNG (mulberry32): the same run order every time for the same number of rounds. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A module timed against its floor: in every round the two run back to back, in a random order. */
export interface ColdStartPair {
  module: ColdStartModule;
  floor: ColdStartModule;
}

export interface PairSamples {
  module: ColdStartSample[];
  floor: ColdStartSample[];
}

/**
 * `rounds` samples of every pair, one process at a time. Each round runs every pair once, the pairs in a new shuffled
 * order and each pair's two modules back to back in a random order, so a module and its floor meet the same load.
 * Unless `quick`, an untimed round first reads every file once (the page cache then holds them all, as a warm disk
 * does) and shows that each module imports cleanly.
 */
export async function measureColdStarts(
  pairs: readonly ColdStartPair[],
  rounds: number,
  options: { quick?: boolean; log?: (line: string) => void } = {},
): Promise<PairSamples[]> {
  if (!options.quick) {
    const seen = new Set<string>();
    for (const each of pairs.flatMap(({ module, floor }) => [floor, module])) {
      if (seen.has(each.key)) continue;
      seen.add(each.key);
      await sample(each);
    }
  }
  const samples: PairSamples[] = pairs.map(() => ({ module: [], floor: [] }));
  const next = random(rounds * 7919 + pairs.length);
  for (let round = 1; round <= rounds; round++) {
    for (const index of shuffled(pairs.map((_, i) => i), next)) {
      const { module, floor } = pairs[index]!;
      const floorFirst = next() < 0.5;
      const first = await sample(floorFirst ? floor : module);
      const second = await sample(floorFirst ? module : floor);
      samples[index]!.floor.push(floorFirst ? first : second);
      samples[index]!.module.push(floorFirst ? second : first);
    }
    options.log?.(`cold start: round ${round}/${rounds} done`);
  }
  return samples;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
