// What the cold-start section builds with esbuild itself: each function's floor (a handler that only imports and
// constructs the AWS SDK clients the function bundles), and a metafile of each handler and floor to say where the
// bytes come from. Both with the options serverless-esbuild builds the deployed bundles with, read from
// serverless.yml's custom.esbuild: nothing about the build is restated here.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { esbuildOptionsOf } from '../../local/engine/handlerBundles.ts';
import { REPO_ROOT, type ServerlessYaml } from '../../tests/definition/definition.ts';

export interface DeployBuild {
  /** What esbuild gets, as serverless-esbuild passes it (entry points and output folder apart). */
  options: BuildOptions;
  /** The bundle's file extension (custom.esbuild.outputFileExtension): `.mjs`. */
  extension: string;
}

/**
 * serverless.yml's custom.esbuild as serverless-esbuild hands it to esbuild: the plugin's own keys removed and
 * `exclude` added to `external` (local/engine/handlerBundles.ts esbuildOptionsOf, which the local runtime builds
 * with too), `outputFileExtension` as esbuild's `outExtension`.
 */
export function deployBuild(config: ServerlessYaml): DeployBuild {
  const custom = ((config.custom as Record<string, unknown> | undefined)?.esbuild ?? {}) as Record<string, unknown>;
  for (const unsupported of ['config', 'plugins']) {
    if (unsupported in custom) throw new Error(`custom.esbuild.${unsupported} is set: the cold-start bench does not read it`);
  }
  const text = JSON.stringify(custom);
  if (text.includes('${')) throw new Error(`custom.esbuild holds a serverless variable, which the bench does not resolve: ${text}`);
  const options = esbuildOptionsOf(custom);
  const extension = typeof custom.outputFileExtension === 'string' ? custom.outputFileExtension : '.js';
  if (extension !== '.js') options.outExtension = { '.js': extension };
  return { options, extension };
}

/** The AWS SDK clients a floor constructs, named as in the tables. */
export type SdkClient = 'DynamoDB document client' | 'DynamoDB' | 'SNS' | 'SFN';

const CLIENT_PACKAGES: Array<[SdkClient, string]> = [
  ['DynamoDB document client', '@aws-sdk/lib-dynamodb'],
  ['DynamoDB', '@aws-sdk/client-dynamodb'],
  ['SNS', '@aws-sdk/client-sns'],
  ['SFN', '@aws-sdk/client-sfn'],
];

/**
 * The clients a bundle holds, from its source map's sources: the packages esbuild put in it. The document client
 * wraps a DynamoDB client, so it counts for both.
 */
export function clientsIn(sources: readonly string[]): SdkClient[] {
  const present = (name: string) => sources.some((source) => source.includes(`node_modules/${name}/`));
  const clients = CLIENT_PACKAGES.filter(([, name]) => present(name)).map(([client]) => client);
  return clients.includes('DynamoDB document client') ? clients.filter((client) => client !== 'DynamoDB') : clients;
}

/** A floor's handler module: the clients constructed at import, as lib/clients.ts does, and a handler. */
export function floorSource(clients: readonly SdkClient[]): string {
  const imports: string[] = [];
  const built: string[] = [];
  for (const client of clients) {
    if (client === 'DynamoDB document client') {
      imports.push("import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';");
      built.push('DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } })');
    } else if (client === 'DynamoDB') {
      imports.push("import { DynamoDBClient } from '@aws-sdk/client-dynamodb';");
      built.push('new DynamoDBClient({})');
    } else {
      imports.push(`import { ${client}Client } from '@aws-sdk/client-${client.toLowerCase()}';`);
      built.push(`new ${client}Client({})`);
    }
  }
  return `${[...new Set(imports)].join('\n')}\nconst clients = [${built.join(', ')}];\nexport const handler = async () => clients.length;\n`;
}

/** Bytes esbuild wrote per input, by the npm package it belongs to (or our own top-level folder). */
export type Weights = Map<string, number>;

export function weightsOf(metafile: Metafile, bundleFile: string): Weights {
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(bundleFile))?.[1];
  if (!output) throw new Error(`esbuild wrote no ${bundleFile}`);
  const weights: Weights = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const at = input.lastIndexOf('node_modules/');
    let owner: string;
    if (at >= 0) {
      const parts = input.slice(at + 'node_modules/'.length).split('/');
      owner = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    } else {
      owner = input.startsWith('<stdin>') || input.includes('floor-') ? '(the floor handler)' : `${input.split('/')[0]}/`;
    }
    weights.set(owner, (weights.get(owner) ?? 0) + bytesInOutput);
  }
  return weights;
}

export interface BuiltFloor {
  clients: SdkClient[];
  /** The handler module, with its source map beside it. */
  file: string;
  bytes: number;
  weights: Weights;
}

/** Builds a floor into `dir` with the deploy options; its module is `<dir>/floor<extension>`. */
export async function buildFloor(deploy: DeployBuild, clients: SdkClient[], dir: string): Promise<BuiltFloor> {
  mkdirSync(dir, { recursive: true });
  const bundleFile = `floor${deploy.extension}`;
  const result = await build({
    ...deploy.options,
    stdin: { contents: floorSource(clients), resolveDir: REPO_ROOT, sourcefile: `floor-${clients.join('+')}.mjs`, loader: 'js' },
    outfile: join(dir, bundleFile),
    absWorkingDir: REPO_ROOT,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(bundleFile))![1];
  return { clients, file: join(dir, bundleFile), bytes: output.bytes, weights: weightsOf(result.metafile, bundleFile) };
}

/**
 * A handler built again, in memory, with the deploy options and a metafile: where its bytes come from. (The
 * packaged bundle is what is measured; this build is only for the breakdown, and the section checks that its size
 * matches the packaged one.)
 */
export async function handlerWeights(deploy: DeployBuild, sourceFile: string): Promise<{ bytes: number; weights: Weights }> {
  const bundleFile = sourceFile.replace(/\.[cm]?ts$/, deploy.extension).split('/').pop()!;
  const result = await build({
    ...deploy.options,
    entryPoints: [join(REPO_ROOT, sourceFile)],
    outdir: join(REPO_ROOT, '.esbuild', 'bench-weights'),
    absWorkingDir: REPO_ROOT,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(bundleFile))![1];
  return { bytes: output.bytes, weights: weightsOf(result.metafile, bundleFile) };
}

/** A Tracer that does nothing, for the layer built without X-Ray: the shape lib/observability.ts and lib/clients.ts use. */
const NO_OP_TRACER = `export class Tracer {
  provider = { captureAsyncFunc: (name, work) => work(undefined) };
  captureAWSv3Client(client) { return client; }
  isTracingEnabled() { return false; }
  putAnnotation() {}
}
`;

/**
 * The DynamoDB document-client floor plus the functions' observability layer: Powertools' tracer, logger and
 * metrics as lib/observability.ts builds them, and the client traced as lib/clients.ts wraps it. Imported from
 * those files, not restated, so it is the layer that deploys. `withoutTracer` swaps Powertools' Tracer (and with it
 * the X-Ray SDK) for a no-op, to show what tracing alone costs; nothing deploys that way.
 */
export async function buildObservabilityLayer(
  deploy: DeployBuild,
  dir: string,
  { withoutTracer = false }: { withoutTracer?: boolean } = {},
): Promise<{ file: string; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  const bundleFile = `layer${deploy.extension}`;
  const contents = [
    "import { getDocumentClient } from './lib/clients.ts';",
    "import { logger, metrics } from './lib/observability.ts';",
    'const clients = [getDocumentClient()];',
    'export const handler = async () => [clients.length, logger, metrics];',
  ].join('\n');
  const noOpTracer: Plugin = {
    name: 'no-op-tracer',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^@aws-lambda-powertools\/tracer$/ }, () => ({ path: 'tracer', namespace: 'no-op' }));
      pluginBuild.onLoad({ filter: /.*/, namespace: 'no-op' }, () => ({ contents: NO_OP_TRACER, loader: 'js' }));
    },
  };
  const result = await build({
    ...deploy.options,
    plugins: withoutTracer ? [noOpTracer] : [],
    stdin: { contents, resolveDir: REPO_ROOT, sourcefile: 'observability-layer.ts', loader: 'ts' },
    outfile: join(dir, bundleFile),
    absWorkingDir: REPO_ROOT,
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith(bundleFile))![1];
  return { file: join(dir, bundleFile), bytes: output.bytes };
}
