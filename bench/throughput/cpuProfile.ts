// Where the pipeline's CPU goes, read off the .cpuprofile files `node --cpu-prof` writes (one per thread: the
// stack's main thread and each function's worker thread). Each sample's self time goes to a bucket by the URL of
// the function it was taken in; a function with no URL of its own (a builtin such as JSON.parse or a socket write)
// and Node's generic internals (events, streams, timers, promise queues) count for the nearest caller that has a
// bucket. Only samples inside the measured window count, so start-up and the consistency check are left out.
// The functions run from esbuild bundles (local/engine/handlerBundles.ts): a sample in a bundle is put back in its
// original source file through the bundle's source map. The worker entry's bundle has no map: it is the engine's.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUCKETS = [
  'engine',
  'handlers',
  'handlers: promise hooks',
  'handlers: module loading',
  'SDK',
  'HTTP',
  'load client',
  'GC',
  'other',
] as const;
export type Bucket = (typeof BUCKETS)[number];

/** What each bucket holds, for the table's legend. */
export const BUCKET_CONTENTS: Record<Bucket, string> = {
  engine: 'aws-local-stepfunctions and jsonpath-plus, local/engine (history, task wrappers, the Lambda runtime and its thread messages)',
  handlers: 'functions/, domain/, adapters/, services/, lib/, Middy, Powertools, zod, uuid',
  'handlers: promise hooks': "async_hooks' promise destroy tracking, on for every promise of a handler's thread (X-Ray's cls-hooked, loaded with the Powertools Tracer)",
  'handlers: module loading': "importing modules in a function thread (cold starts): Node's loaders, and tsx for a function run from its sources",
  SDK: '@aws-sdk, @smithy, @aws-crypto (serialising, signing, parsing)',
  HTTP: "node:http/net and sockets, local/api (API Gateway), local/aws (the AWS endpoint)",
  'load client': "the load run's own code (local/commands/load.ts, bench/, fetch if used); its node:http requests count as HTTP",
  GC: "V8's garbage collector on the JavaScript threads",
  other: 'the rest: (program), Node internals with no caller above, anything unmatched',
};

interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based, in the file the URL names. */
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Source maps of bundles, by URL (null: the file has none). */
const sourceMaps = new Map<string, { map: SourceMap; dir: string } | null>();

function sourceMapOf(url: string): { map: SourceMap; dir: string } | null {
  let known = sourceMaps.get(url);
  if (known === undefined) {
    known = null;
    try {
      const mapFile = `${fileURLToPath(url)}.map`;
      if (existsSync(mapFile)) known = { map: new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as never), dir: dirname(mapFile) };
    } catch {
      known = null;
    }
    sourceMaps.set(url, known);
  }
  return known;
}

/** Where a frame's code came from: through the bundle's source map when the file is a bundle with one. */
export function originalUrl(frame: Pick<CallFrame, 'url' | 'lineNumber' | 'columnNumber'>): string {
  if (!frame.url.startsWith('file://') || !frame.url.includes('/.cache/order-pipeline/bundles/')) return frame.url;
  const bundle = sourceMapOf(frame.url);
  if (!bundle) return `${frame.url}#worker-entry`;
  const entry = bundle.map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
  if (!entry.originalSource) return frame.url;
  const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(bundle.dir, entry.originalSource);
  return `file://${source}`;
}

/** The bucket of a URL, or undefined for one that counts for its caller (see above). */
export function bucketOf(url: string, functionName: string): Bucket | undefined {
  if (url.endsWith('#worker-entry')) return 'engine';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)' || functionName === '(root)') return 'other';
  if (functionName === 'registerDestroyHook' || url === 'node:internal/async_hooks') return 'handlers: promise hooks';
  if (url === '') return undefined;
  if (/\/node_modules\/(tsx|esbuild|get-tsconfig)\//.test(url) || url.startsWith('node:internal/modules/') || url === 'node:internal/bootstrap/realm') {
    return 'handlers: module loading';
  }
  if (/\/node_modules\/(aws-local-stepfunctions|jsonpath-plus|asl-validator|ajv)\//.test(url)) return 'engine';
  if (/\/node_modules\/(@aws-sdk|@smithy|@aws-crypto|fast-xml-parser|bowser|strnum)\//.test(url)) return 'SDK';
  if (/\/node_modules\/(@middy|@aws-lambda-powertools|zod|uuid|aws-xray-sdk-core|cls-hooked|async-hook-jl|emitter-listener|shimmer)\//.test(url)) return 'handlers';
  if (url === 'node:internal/deps/undici/undici' || url.startsWith('node:internal/webstreams/') || url === 'node:internal/fetch') return 'load client';
  if (/^node:(_http_|http$|https$|net$|internal\/http|internal\/stream_base_commons|internal\/net)/.test(url)) return 'HTTP';
  if (/^node:internal\/(worker|per_context\/messageport)/.test(url)) return 'engine';
  if (url.startsWith('node:')) return undefined; // events, streams, timers, promise queues, buffers: for their caller
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const relative = path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
  if (relative.startsWith('local/engine/')) return 'engine';
  if (relative.startsWith('local/api/') || relative.startsWith('local/aws/')) return 'HTTP';
  if (relative.startsWith('local/commands/load.ts') || relative.startsWith('bench/')) return 'load client';
  if (/^(functions|domain|adapters|services|lib)\//.test(relative)) return 'handlers';
  return 'other';
}

export type Breakdown = Record<Bucket, number>;

export function emptyBreakdown(): Breakdown {
  return Object.fromEntries(BUCKETS.map((bucket) => [bucket, 0])) as Breakdown;
}

/**
 * One profile's busy time (µs) per bucket, counting only samples whose time falls in [fromUs, toUs] (the profile's
 * clock: V8's monotonic one, which process.hrtime reads too). Idle samples are left out.
 */
export function profileBreakdown(profile: CpuProfile, fromUs = -Infinity, toUs = Infinity): Breakdown {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const bucketCache = new Map<number, Bucket>();
  const bucketOfNode = (id: number): Bucket => {
    const cached = bucketCache.get(id);
    if (cached) return cached;
    const chain: number[] = [];
    let bucket: Bucket | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const known = bucketCache.get(at);
      if (known) {
        bucket = known;
        break;
      }
      chain.push(at);
      const frame = byId.get(at)!.callFrame;
      bucket = bucketOf(originalUrl(frame), frame.functionName);
      if (bucket) break;
    }
    bucket ??= 'other';
    for (const node of chain) bucketCache.set(node, bucket);
    return bucket;
  };
  const out = emptyBreakdown();
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    time += delta;
    if (time < fromUs || time > toUs) continue;
    const node = byId.get(profile.samples[i]!)!;
    if (node.callFrame.functionName === '(idle)') continue;
    out[bucketOfNode(node.id)] += delta;
  }
  return out;
}

export interface ProfileSet {
  /** The stack's main thread (the first thread of the process). */
  main: Breakdown;
  /** The functions' worker threads, summed. */
  workers: Breakdown;
  files: number;
}

/** Reads every .cpuprofile in `dir`: the main thread's (thread id 0 in the name Node gives it) and the workers'. */
export function readProfiles(dir: string, fromUs?: number, toUs?: number): ProfileSet {
  const set: ProfileSet = { main: emptyBreakdown(), workers: emptyBreakdown(), files: 0 };
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    // CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile
    const threadId = Number(file.split('.').at(-3));
    const breakdown = profileBreakdown(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, fromUs, toUs);
    const into = threadId === 0 ? set.main : set.workers;
    for (const bucket of BUCKETS) into[bucket] += breakdown[bucket];
    set.files += 1;
  }
  return set;
}

/** The breakdown scaled so that it sums to `total` (a sampled wall time becomes the CPU time measured for it). */
export function scaledTo(breakdown: Breakdown, total: number): Breakdown {
  const sum = BUCKETS.reduce((n, bucket) => n + breakdown[bucket], 0);
  const out = emptyBreakdown();
  if (sum === 0) return out;
  for (const bucket of BUCKETS) out[bucket] = (breakdown[bucket] / sum) * total;
  return out;
}
