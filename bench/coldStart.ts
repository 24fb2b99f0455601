// Section 1 of BENCHMARKS.md: cold start and bundle size per Lambda function, each beside its floor. The bundles
// are the ones `sls package --stage prod` zips for deploy (tests/deploy/packaged.ts, shared with the deploy tests);
// each function's floor is a handler that only imports and constructs the AWS SDK clients that function bundles,
// built with the same esbuild options (bench/coldStart/build.ts); each is timed in fresh Node processes back to back
// with its floor, round after round (bench/coldStart/measure.ts).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadServerlessYaml } from '../tests/definition/definition.ts';
import { handlerSourceFile, lambdaLogicalId } from '../tests/definition/sourceCode.ts';
import { functionArtifacts, packaged, STAGE } from '../tests/deploy/packaged.ts';
import { readZip } from '../tests/deploy/zip.ts';
import {
  buildFloor,
  buildObservabilityLayer,
  clientsIn,
  deployBuild,
  handlerWeights,
  type BuiltFloor,
  type SdkClient,
  type Weights,
} from './coldStart/build.ts';
import { lambdaEnvironment, measureColdStarts, median, type ColdStartModule, type ColdStartPair, type ColdStartSample } from './coldStart/measure.ts';
import type { BenchOptions, BenchSection, BenchTarget } from './section.ts';

export const TITLE = '1. Cold start and bundle size per function';
/** The targets of issue 11: each function's figure over its floor's. */
export const MAX_INIT_RATIO = 1.3;
export const MAX_SIZE_RATIO = 1.5;
/** Samples per module: the issue asks for the median of at least 15 fresh processes; the smoke run takes 1. */
const ROUNDS = 21;
const QUICK_ROUNDS = 1;
const LAYER_AS_DEPLOYED = 'observability layer, as deployed';
const LAYER_NO_OP_TRACER = 'the same, Tracer a no-op (no X-Ray SDK)';

/** What a measured module and its floor give, in the same rounds. */
interface ColdStartFigures {
  name: string;
  clients: SdkClient[];
  floorBytes: number;
  sizeRatio: number;
  initMs: number;
  floorInitMs: number;
  initRatio: number;
  cpuMs: number;
  floorCpuMs: number;
  cpuRatio: number;
}

export interface FunctionColdStart extends ColdStartFigures {
  bundleBytes: number;
  /** Bytes over the floor's, by owner (esbuild metafile of the same build). */
  overFloor: Weights;
}

interface PackagedBundle {
  name: string;
  file: string;
  exportName: string;
  bytes: number;
  clients: SdkClient[];
  env: Record<string, string>;
}

/** Each function's handler bundle and source map, from its zip, written as Lambda unpacks it (a task root each). */
async function unpackBundles(workDir: string, extension: string, log: (line: string) => void): Promise<PackagedBundle[]> {
  log(`cold start: sls package --stage ${STAGE} (or the package the deploy tests left, if the sources are unchanged)`);
  const result = await packaged();
  const artifacts = functionArtifacts(result);
  const config = loadServerlessYaml();
  return Object.keys(config.functions).map((name) => {
    const logicalId = lambdaLogicalId(name);
    const zip = artifacts.get(logicalId);
    if (!zip) throw new Error(`the package has no zip for ${name}`);
    const handler = config.functions[name]!.handler;
    const base = handler.slice(0, handler.lastIndexOf('.'));
    const entries = readZip(readFileSync(zip));
    const code = entries.find((entry) => entry.name === `${base}${extension}`);
    const map = entries.find((entry) => entry.name === `${base}${extension}.map`);
    if (!code || !map) throw new Error(`${name}'s zip holds no ${base}${extension} with its source map`);
    const taskRoot = join(workDir, 'functions', name);
    for (const entry of [code, map]) {
      mkdirSync(dirname(join(taskRoot, entry.name)), { recursive: true });
      writeFileSync(join(taskRoot, entry.name), entry.data);
    }
    const sources = (JSON.parse(map.data.toString('utf8')) as { sources: string[] }).sources;
    return {
      name,
      file: join(taskRoot, code.name),
      exportName: handler.slice(handler.lastIndexOf('.') + 1),
      bytes: code.data.length,
      clients: clientsIn(sources),
      env: lambdaEnvironment(result.template.Resources[logicalId]!, taskRoot),
    };
  });
}

function subtract(handler: Weights, floor: Weights): Weights {
  const over: Weights = new Map();
  for (const [owner, bytes] of handler) {
    const extra = bytes - (floor.get(owner) ?? 0);
    if (Math.abs(extra) >= 1) over.set(owner, extra);
  }
  return over;
}

/** An observability layer on its floor (see measureColdStartSection). */
export interface LayerColdStart extends ColdStartFigures {
  bytes: number;
}

export interface ColdStartResults {
  functions: FunctionColdStart[];
  layers: LayerColdStart[];
}

/** Measures every function against its floor. */
export async function measureColdStartSection(options: BenchOptions): Promise<ColdStartResults> {
  const log = options.log ?? (() => {});
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 24) throw new Error(`the cold-start bench runs on Node 24 (the functions' runtime), not ${process.version}`);
  const workDir = mkdtempSync(join(tmpdir(), 'order-pipeline-coldstart-'));
  try {
    const config = loadServerlessYaml();
    const deploy = deployBuild(config);
    const bundles = await unpackBundles(workDir, deploy.extension, log);
    const floors = new Map<string, BuiltFloor>();
    for (const bundle of bundles) {
      const key = bundle.clients.join(' + ');
      if (bundle.clients.length === 0) throw new Error(`${bundle.name}'s bundle holds no AWS SDK client: it has no floor`);
      if (!floors.has(key)) floors.set(key, await buildFloor(deploy, bundle.clients, join(workDir, 'floors', `floor-${floors.size + 1}`)));
    }
    log(`cold start: ${bundles.length} functions, ${floors.size} floors (${[...floors.keys()].join('; ')})`);
    // The observability layer alone (Powertools' tracer, logger and metrics as lib/observability.ts builds them,
    // the client traced as lib/clients.ts wraps it) on the floor most functions share, as deployed and with a no-op
    // Tracer: how much of a function's init over its floor that layer is, and how much of it is X-Ray, measured in
    // the same rounds.
    const layerKey = 'DynamoDB document client';
    const layerFloor = floors.get(layerKey);
    const layers = layerFloor
      ? [
          { name: LAYER_AS_DEPLOYED, ...(await buildObservabilityLayer(deploy, join(workDir, 'layers', 'deployed'))) },
          { name: LAYER_NO_OP_TRACER, ...(await buildObservabilityLayer(deploy, join(workDir, 'layers', 'no-op-tracer'), { withoutTracer: true })) },
        ]
      : [];

    const floorModule = (key: string): ColdStartModule => {
      // A floor runs with the environment of the first function it is the floor of, at its own task root.
      const like = bundles.find((bundle) => bundle.clients.join(' + ') === key)!;
      const file = floors.get(key)!.file;
      return { key: `floor: ${key}`, file, exportName: 'handler', env: { ...like.env, LAMBDA_TASK_ROOT: dirname(file), _HANDLER: 'floor.handler' } };
    };
    const pairs: ColdStartPair[] = bundles.map(({ name, file, exportName, env, clients }) => ({
      module: { key: name, file, exportName, env },
      floor: floorModule(clients.join(' + ')),
    }));
    for (const layer of layers) {
      const floor = floorModule(layerKey);
      pairs.push({ module: { key: layer.name, file: layer.file, exportName: 'handler', env: { ...floor.env, LAMBDA_TASK_ROOT: dirname(layer.file) } }, floor });
    }
    const rounds = options.quick ? QUICK_ROUNDS : ROUNDS;
    log(`cold start: ${rounds} rounds of ${pairs.length} pairs (a module and its floor), each a fresh Node process`);
    const samples = await measureColdStarts(pairs, rounds, { quick: options.quick, log });

    const figures = (index: number) => {
      const { module, floor } = samples[index]!;
      const perRound = (pick: (sample: ColdStartSample) => number) => median(module.map((sample, round) => pick(sample) / pick(floor[round]!)));
      return {
        initMs: median(module.map((sample) => sample.initMs)),
        floorInitMs: median(floor.map((sample) => sample.initMs)),
        initRatio: perRound((sample) => sample.initMs),
        cpuMs: median(module.map((sample) => sample.cpuMs)),
        floorCpuMs: median(floor.map((sample) => sample.cpuMs)),
        cpuRatio: perRound((sample) => sample.cpuMs),
      };
    };
    const results: FunctionColdStart[] = [];
    for (const [index, bundle] of bundles.entries()) {
      const floor = floors.get(bundle.clients.join(' + '))!;
      const rebuilt = await handlerWeights(deploy, handlerSourceFile(config, bundle.name));
      // The breakdown is of a build of our own: it must be the same bundle, or it explains nothing.
      if (Math.abs(rebuilt.bytes - bundle.bytes) > bundle.bytes * 0.01) {
        throw new Error(`${bundle.name}: the metafile build is ${rebuilt.bytes} B, the packaged bundle ${bundle.bytes} B`);
      }
      results.push({
        name: bundle.name,
        clients: bundle.clients,
        bundleBytes: bundle.bytes,
        floorBytes: floor.bytes,
        sizeRatio: bundle.bytes / floor.bytes,
        ...figures(index),
        overFloor: subtract(rebuilt.weights, floor.weights),
      });
    }
    const layerResults: LayerColdStart[] = layers.map((layer, index) => ({
      name: layer.name,
      clients: [layerKey],
      bytes: layer.bytes,
      floorBytes: layerFloor!.bytes,
      sizeRatio: layer.bytes / layerFloor!.bytes,
      ...figures(bundles.length + index),
    }));
    return { functions: results, layers: layerResults };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => `${Math.round(bytes / 1000).toLocaleString('en-US')} KB`;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const ratio = (value: number) => value.toFixed(2);

/** The owners of a bundle's bytes over its floor, grouped as the "what weighs" table shows them. */
const WEIGHT_GROUPS: Array<[string, (owner: string) => boolean]> = [
  ['our code', (owner) => owner.endsWith('/')],
  ['zod', (owner) => owner === 'zod'],
  [
    'Powertools tracer + X-Ray SDK',
    (owner) =>
      ['@aws-lambda-powertools/tracer', 'aws-xray-sdk-core', 'cls-hooked', 'semver', 'async-hook-jl', 'emitter-listener', 'shimmer', 'stack-chain'].includes(owner),
  ],
  ['Powertools logger', (owner) => owner === '@aws-lambda-powertools/logger'],
  ['Powertools metrics + commons', (owner) => owner === '@aws-lambda-powertools/metrics' || owner === '@aws-lambda-powertools/commons'],
  ['Middy', (owner) => owner.startsWith('@middy/')],
];

function grouped(over: Weights): { groups: number[]; other: number; otherOwners: string[] } {
  const groups = WEIGHT_GROUPS.map(() => 0);
  let other = 0;
  const otherOwners: Array<[string, number]> = [];
  for (const [owner, bytes] of over) {
    const index = WEIGHT_GROUPS.findIndex(([, matches]) => matches(owner));
    if (index >= 0) groups[index]! += bytes;
    else {
      other += bytes;
      otherOwners.push([owner, bytes]);
    }
  }
  otherOwners.sort((a, b) => b[1] - a[1]);
  return { groups, other, otherOwners: otherOwners.filter(([, bytes]) => bytes >= 1000).map(([owner, bytes]) => `${owner} ${kb(bytes)}`) };
}

export function coldStartTargets({ functions }: ColdStartResults): BenchTarget[] {
  return functions.flatMap((r) => [
    {
      name: `${r.name} init <= ${MAX_INIT_RATIO}x floor`,
      met: r.initRatio <= MAX_INIT_RATIO,
      detail: `${ratio(r.initRatio)}x (${ms(r.initMs)} vs ${ms(r.floorInitMs)})`,
    },
    {
      name: `${r.name} bundle <= ${MAX_SIZE_RATIO}x floor`,
      met: r.sizeRatio <= MAX_SIZE_RATIO,
      detail: `${ratio(r.sizeRatio)}x (${kb(r.bundleBytes)} vs ${kb(r.floorBytes)})`,
    },
  ]);
}

export function coldStartMarkdown({ functions: results, layers }: ColdStartResults, rounds: number): string {
  const lines = [
    `Each function's bundle as \`sls package --stage ${STAGE}\` zips it, beside its floor: a handler that only imports and ` +
      'constructs the AWS SDK clients the function bundles, built with the same esbuild options (`custom.esbuild` of ' +
      `serverless.yml). Init is the median of ${rounds} fresh Node ${process.version} processes each, each run back to back ` +
      'with its floor; a ratio is the median of the per-round ratios.',
    '',
    '| function | floor: SDK clients | bundle | floor bundle | size ratio | init | floor init | init ratio | CPU ratio |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.clients.join(' + ')} | ${kb(r.bundleBytes)} | ${kb(r.floorBytes)} | ${ratio(r.sizeRatio)} | ` +
        `${ms(r.initMs)} | ${ms(r.floorInitMs)} | ${ratio(r.initRatio)} | ${ratio(r.cpuRatio)} |`,
    ),
    '',
    `Targets: init ≤ ${MAX_INIT_RATIO}× the floor's and bundle ≤ ${MAX_SIZE_RATIO}× the floor's, for every function.`,
    '',
    ...(layers.length > 0
      ? [
          `The observability layer alone, on the ${layers[0]!.clients.join(' + ')} floor and timed the same way: Powertools' ` +
            'tracer, logger and metrics as lib/observability.ts builds them, with the client traced as lib/clients.ts wraps ' +
            "it; then the same with Powertools' Tracer swapped for a no-op at build time (no X-Ray SDK; nothing deploys " +
            "so). Of a function's init over its floor, the first row is that layer; the rest is the handler, its domain " +
            'code, zod and Middy.',
          '',
          '| on the floor | bundle | floor bundle | size ratio | init | floor init | init ratio | CPU ratio |',
          '| --- | --- | --- | --- | --- | --- | --- | --- |',
          ...layers.map(
            (l) =>
              `| ${l.name} | ${kb(l.bytes)} | ${kb(l.floorBytes)} | ${ratio(l.sizeRatio)} | ${ms(l.initMs)} | ${ms(l.floorInitMs)} | ` +
              `${ratio(l.initRatio)} | ${ratio(l.cpuRatio)} |`,
          ),
          '',
        ]
      : []),
    '### What a bundle holds beyond its floor',
    '',
    'Bytes of the minified bundle over the floor\'s, by where they come from (esbuild\'s metafile of the same build; the ' +
      'SDK code both hold cancels out).',
    '',
    `| function | over the floor | ${WEIGHT_GROUPS.map(([name]) => name).join(' | ')} | other |`,
    `| --- | --- | ${WEIGHT_GROUPS.map(() => '---').join(' | ')} | --- |`,
    ...results.map((r) => {
      const { groups, other, otherOwners } = grouped(r.overFloor);
      const total = [...r.overFloor.values()].reduce((sum, bytes) => sum + bytes, 0);
      return `| ${r.name} | ${kb(total)} | ${groups.map(kb).join(' | ')} | ${kb(other)}${otherOwners.length ? ` (${otherOwners.join(', ')})` : ''} |`;
    }),
    '',
    METHOD,
    '',
    WHAT_CHANGED,
  ];
  return lines.join('\n');
}

const METHOD = `### Method

- **Bundles**: the \`.mjs\` inside each function's zip from \`sls package --stage ${STAGE}\` (serverless-esbuild), the
  one that deploys; its size is that file's bytes (the source map beside it is not counted).
- **Floors**: for each set of SDK clients a bundle holds (its source map names the \`@aws-sdk/client-*\` and
  \`lib-dynamodb\` packages), a module that imports those clients and constructs them at import, as lib/clients.ts
  does, and exports a handler. Built with esbuild's JS API and the options serverless-esbuild passes: serverless.yml's
  \`custom.esbuild\`, read at run time, with the plugin's own keys mapped as the plugin maps them.
- **Init**: the wall-clock time of \`await import(handler)\` in a fresh \`node\` process
  (bench/coldStart/runner.mjs, which imports nothing before it starts the clock): parsing and evaluating the bundle,
  loading its source map (\`NODE_OPTIONS=--enable-source-maps\`, as the functions set it), constructing the clients,
  Powertools and everything else the module's top level runs. It leaves out Node's own start-up (the same for every
  module) and what the Lambda runtime does around the import. The CPU ratio is the same import's CPU time (user +
  system) over the floor's: less sensitive than wall time to other work on a shared machine.
- **Environment**: each function's variables from the packaged template, plus those Lambda defines for every
  function (Lambda developer guide, "Defined runtime environment variables"), with active tracing's
  \`AWS_XRAY_CONTEXT_MISSING\` and \`AWS_XRAY_DAEMON_ADDRESS\`; \`AWS_EXECUTION_ENV\` is set and
  \`POWERTOOLS_TRACE_ENABLED\` is not, so Powertools' Tracer is on as on AWS. A floor runs with the variables of a
  function it is the floor of.
- **Runs**: one untimed round (every file read once, every module shown to import), then ${ROUNDS} rounds (the
  smoke run: ${QUICK_ROUNDS}, no untimed round). In each round every function runs back to back with its floor, the
  two in a random order and the pairs in a new shuffled order, one process at a time, so a function and its floor
  meet the same load. A ratio is the median of the per-round ratios; the ms figures are medians of all samples.
- **The observability-layer rows**: the same floor plus lib/clients.ts's traced document client and
  lib/observability.ts's logger and metrics, built with the same options; the second row swaps
  \`@aws-lambda-powertools/tracer\` for a no-op class at build time (an esbuild plugin), so the X-Ray SDK is not in
  it. They are evidence for where the time goes, not targets.
- **The bytes table**: each handler built again with the same options and esbuild's metafile (the section checks that
  it is the packaged bundle's size within 1%), its bytes per package minus the floor's.`;

/**
 * What changed the figures: a record, not a measurement of this run. Each step was measured once, with this
 * section's method, in one run of 15 rounds on 2026-12-01 (a 2-core machine shared with other work, load ~4-6);
 * each step's bundles were built with esbuild from the tree as it stood at that step, with the options
 * serverless.yml had then. Before is commit ce0f1ff.
 */
const WHAT_CHANGED = `### What changed it

Each step on top of the one before, all measured once in the same run (15 rounds; 2026-12-01, 2 shared cores):

| step | bundles | size ratio | init (median of the functions) | floor init | init ratio | init ≤ 1.3× | bundle ≤ 1.5× |
| --- | --- | --- | --- | --- | --- | --- | --- |
| before (ce0f1ff) | 819-1,241 KB | 1.27-2.17 | 228 ms | 134 ms | 1.40-1.89 | 0 of 11 | 1 of 11 |
| 1. zod's full build -> zod/mini, unused schemas left out | 724-819 KB | 1.27-1.38 | 192 ms | 134 ms | 1.32-1.50 | 0 of 11 | 11 of 11 |
| 2. node:http required, not imported as an ES module | 724-819 KB | 1.27-1.38 | 174 ms | 131 ms | 1.20-1.38 | 7 of 11 | 11 of 11 |
| 3. Powertools' http/https/fetch patching off | 724-819 KB | 1.27-1.38 | 171 ms | 129 ms | 1.19-1.33 | 7 of 11 | 11 of 11 |
| 4. ES module builds first (\`mainFields: [module, main]\`) | 518-571 KB | 1.46-1.61 | 127 ms | 84 ms | 1.36-1.51 | 0 of 11 | 4 of 11 |

1. **zod/mini** (domain/schemas.ts). \`import { z } from 'zod'\` is one namespace object that esbuild cannot
   tree-shake: 455 KB of zod in every bundle, the six that validate nothing included (they reach domain/schemas.ts
   through domain/payments.ts). zod/mini runs the same checks (both are zod/v4/core), written
   \`.check(z.minLength(...))\` instead of \`.min(...)\`: every message and path is the same (the schema tests pass
   unchanged, and 7,460 generated inputs gave identical results under both builds). Each schema is built by a
   \`schema()\` helper marked \`@__NO_SIDE_EFFECTS__\` (esbuild does not see zod's own marks across modules), so an
   unused one is left out: zod is now 12-26 KB where a function validates and nothing where it does not. zod's
   English messages are set on the first parse instead of at import.
2. **node:http** (serverless.yml \`custom.esbuild.alias\`, lib/nodeHttp.cjs). Powertools' tracer imports
   \`node:http\` as an ES module; Node then reads every export of it, and the lazy \`WebSocket\` getter among them
   loads undici (Node's fetch) at init: 20-30 ms, found with a \`--cpu-prof\` of the import. The alias makes the
   import a \`require\`; the AWS SDK loads http only for an \`http://\` endpoint, and then the same way.
   tests/deploy/bundles.test.ts checks that no bundle imports it as a module again.
3. **No http patching at init** (lib/observability.ts, \`captureHTTPsRequests: false\`). Every SDK call is traced by
   \`captureAWSv3Client\`, whose requests carry \`X-Amzn-Trace-Id\`, and the X-Ray SDK's http patch skips those
   (aws-xray-sdk-core \`patchers/http_p.js\`); the functions make no other HTTP call, so the patch traced nothing.
   The subsegments are the same (tests/unit/lib/tracing.test.ts). A few ms, within one run's noise.
4. **ES module builds first** (serverless.yml \`custom.esbuild.mainFields\`). For platform node esbuild takes a
   package's \`main\` (CommonJS) before its \`module\`; the AWS SDK ships both, and only the ES module build can be
   tree-shaken. Every bundle loses ~200 KB and ~45 ms of init, and so does every floor, built with the same options
   (548 -> 342 KB, 129 -> 84 ms). The cold start is the shortest of all the steps, but the ratios rise: the same
   ~40 ms of Powertools and X-Ray is a larger part of a smaller floor. Undoing this step would bring most functions
   under the init target while making every cold start ~45 ms slower, so it stays.

Considered and not done: loading rare paths lazily. A bundle is one file (no code splitting: each zip holds only its
handler and source map), so a dynamic import saves only a module's top-level work, and what a rare path needs is
small here: all of our own code is 11-19 KB a bundle (the bytes table above).

### What is left: the X-Ray SDK

The observability-layer table shows it in every run: Powertools' tracer, logger and metrics alone, on the floor,
take about the whole init budget, and with the Tracer swapped for a no-op most of that cost goes. In the bytes
table, tracer + X-Ray SDK is 120 KB of the ~175-210 KB a function adds (aws-xray-sdk-core 70 KB, semver 29 KB,
cls-hooked 8 KB, Powertools' tracer 10 KB). In a \`--cpu-prof\` of getOrder's import the X-Ray SDK's \`require\` takes
~13 ms, a third of it semver, which its SDK v2 patcher loads whole for one version check that never runs here
(aliasing semver to a one-function stand-in would save those 29 KB and ~4 ms: not enough for either target, and a
stand-in for a dependency's dependency, so not done). No option of Powertools or of the X-Ray SDK avoids the load
while tracing stays on, and tracing every invocation (the
handler, each SDK call, the payment provider) is behaviour, so it was neither deferred nor cut. That is why the
targets are missed: init by up to ~0.2× and size by up to ~0.1× of the floor, about what the X-Ray SDK accounts
for. Meeting them takes a lighter tracer (X-Ray segment documents sent to the daemon directly, or OpenTelemetry),
a decision beyond this benchmark.`;

export async function runColdStartSection(options: BenchOptions): Promise<BenchSection> {
  const results = await measureColdStartSection(options);
  return {
    title: TITLE,
    markdown: coldStartMarkdown(results, options.quick ? QUICK_ROUNDS : ROUNDS),
    targets: coldStartTargets(results),
  };
}
