// The local runtime runs each function from an esbuild bundle built with serverless.yml's own `custom.esbuild`
// options - the code that deploys, one file per function - rather than from the TypeScript sources through tsx.
// An instance's cold start then loads one module instead of a few hundred, each resolved and transpiled: about a
// tenth of the CPU, which every stack start, test file and first order paid.
//
// Bundles are kept in node_modules/.cache/order-pipeline/bundles/, each beside a record of what went into it (the
// inputs esbuild's metafile lists, the options, esbuild's version). A bundle is reused only while every source
// input has the same content and the installed tree (node_modules/.package-lock.json) is the same; anything else
// builds it afresh. The worker entry (lambdaWorker.ts) is bundled the same way, so instances need no loader.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build, version as esbuildVersion, type BuildOptions } from 'esbuild';

/**
 * serverless-esbuild's own options, which it removes before calling esbuild (its dist/bundle.js lists them);
 * every other `custom.esbuild` key is an esbuild option and is passed on as it is.
 */
const PLUGIN_OPTIONS = new Set([
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'config',
]);

/** The esbuild options serverless-esbuild builds a function with, from serverless.yml's `custom.esbuild`. */
export function esbuildOptionsOf(custom: Record<string, unknown> | undefined): BuildOptions {
  const given = custom ?? {};
  const options: Record<string, unknown> = { bundle: true, platform: 'node' };
  for (const [key, value] of Object.entries(given)) if (!PLUGIN_OPTIONS.has(key)) options[key] = value;
  const exclude = Array.isArray(given.exclude) ? (given.exclude as string[]) : [];
  const external = Array.isArray(given.external) ? (given.external as string[]) : [];
  options.external = [...external, ...(exclude.includes('*') ? [] : exclude)];
  return options as BuildOptions;
}

interface BundleRecord {
  key: string;
  /** Source inputs outside node_modules, relative to the project root, with their content hashes. */
  sources: Record<string, string>;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function installedTree(root: string): string {
  const file = join(root, 'node_modules', '.package-lock.json');
  return existsSync(file) ? sha256(readFileSync(file)) : 'none';
}

function contentHash(file: string): string | undefined {
  try {
    return sha256(readFileSync(file));
  } catch {
    return undefined;
  }
}

export class HandlerBundler {
  private readonly cacheDir: string;
  private readonly options: BuildOptions;
  private readonly installed: string;
  private readonly building = new Map<string, Promise<string>>();

  constructor(
    private readonly root: string,
    esbuildOptions: BuildOptions,
    cacheDir = join(root, 'node_modules', '.cache', 'order-pipeline', 'bundles'),
  ) {
    this.cacheDir = cacheDir;
    this.options = esbuildOptions;
    this.installed = installedTree(root);
  }

  /** The bundle of `entry` (a source file), built unless a bundle of the same inputs is kept. */
  bundle(entry: string, options: BuildOptions = this.options): Promise<string> {
    const absolute = resolve(entry);
    const key = sha256(JSON.stringify({ entry: relative(this.root, absolute), options, esbuild: esbuildVersion, installed: this.installed }));
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.reuseOrBuild(absolute, key, options);
      this.building.set(key, pending);
      pending.catch(() => this.building.delete(key));
    }
    return pending;
  }

  private async reuseOrBuild(entry: string, key: string, options: BuildOptions): Promise<string> {
    const dir = join(this.cacheDir, key.slice(0, 24));
    const extension = options.format === 'esm' ? '.mjs' : '.js';
    const outfile = join(dir, `handler${extension}`);
    const recordFile = join(dir, 'inputs.json');
    if (this.isCurrent(recordFile, outfile, key)) return outfile;

    // Built beside, then moved in: a stack starting at the same time never loads half a bundle.
    const scratch = `${dir}.${process.pid}.${Date.now()}.tmp`;
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    const result = await build({
      ...options,
      entryPoints: [entry],
      outfile: join(scratch, `handler${extension}`),
      absWorkingDir: this.root,
      metafile: true,
      logLevel: 'silent',
    });
    const sources: Record<string, string> = {};
    for (const input of Object.keys(result.metafile!.inputs)) {
      if (input.split('/').includes('node_modules')) continue;
      sources[input] = contentHash(resolve(this.root, input)) ?? 'missing';
    }
    writeFileSync(join(scratch, 'inputs.json'), JSON.stringify({ key, sources } satisfies BundleRecord));
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(scratch, dir);
    } catch (error) {
      // Another process moved its own build of the same inputs in first: use that one.
      rmSync(scratch, { recursive: true, force: true });
      if (!this.isCurrent(recordFile, outfile, key)) throw error;
    }
    return outfile;
  }

  private isCurrent(recordFile: string, outfile: string, key: string): boolean {
    if (!existsSync(outfile)) return false;
    let record: BundleRecord;
    try {
      record = JSON.parse(readFileSync(recordFile, 'utf8')) as BundleRecord;
    } catch {
      return false;
    }
    if (record.key !== key) return false;
    return Object.entries(record.sources).every(([input, hash]) => contentHash(resolve(this.root, input)) === hash);
  }
}
