// `sls package --stage prod`, run once and shared by the deploy tests (package.test.ts, bundles.test.ts).
//
// - Isolated: it runs in a scratch copy of the service (serverless.yml copied, everything else symlinked) with
//   `--package` pointing outside the repository, so neither .serverless/ nor serverless-esbuild's .esbuild/ work
//   folder of the checkout is touched, and a concurrent `sls package` there cannot interfere.
// - Once: the output lives in $TMPDIR/order-pipeline-package/<hash of every packaging input>/. The test files run
//   in separate processes; the first to arrive packages under a lock, the others wait for it and read the result.
//   The same inputs give the same package, so a later run with nothing changed reuses it; any change to the
//   sources, serverless.yml, the workflow, package-lock.json or the installed tree packages afresh. To force a
//   fresh package anyway, delete $TMPDIR/order-pipeline-package.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../definition/definition.ts';
import { isAlive } from '../../local/stack/processCleanup.ts';

export const STAGE = 'prod';

/** Top-level entries that cannot change what `sls package` produces (tests, the local stack and the bench are never
 * bundled: bundles.test.ts checks that), plus build output and scratch data. */
const NOT_PACKAGING_INPUTS = new Set([
  '.git',
  '.serverless',
  '.esbuild',
  'node_modules', // represented by node_modules/.package-lock.json, npm's record of the installed tree
  'tests',
  'local',
  'bench',
  'BENCHMARKS.md', // written by `npm run bench`, which packages: it must not invalidate its own package
  'docs',
  'coverage',
  '.local-data',
  'README.md',
  'examples',
  '.ci',
]);
/** Not linked into the scratch service: the build output folders, which must be its own. */
const NOT_LINKED = new Set(['.git', '.serverless', '.esbuild', 'serverless.yml']);

export interface Packaged {
  /** The --package folder: the CloudFormation template and one zip per function. */
  dir: string;
  /** Where the (scratch) service was packaged from; removed afterwards, kept to resolve source-map paths. */
  serviceDir: string;
  template: CloudFormationTemplate;
  /** Seconds the packaging took when it ran (a reused package keeps the figure of its run). */
  seconds: number;
  reused: boolean;
}

export interface CloudFormationResource {
  Type: string;
  Properties?: Record<string, any>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  [key: string]: unknown;
}

export interface CloudFormationTemplate {
  Resources: Record<string, CloudFormationResource>;
  Outputs?: Record<string, unknown>;
  [key: string]: unknown;
}

function filesUnder(path: string, out: string[]): void {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path).sort()) if (entry !== 'node_modules' && entry !== '.git') filesUnder(join(path, entry), out);
  } else if (stat.isFile()) {
    out.push(path);
  }
}

/** A hash of everything that decides the package's content. */
export function packagingInputsHash(): string {
  const files: string[] = [];
  for (const entry of readdirSync(REPO_ROOT).sort()) {
    if (!NOT_PACKAGING_INPUTS.has(entry)) filesUnder(join(REPO_ROOT, entry), files);
  }
  const installedTree = join(REPO_ROOT, 'node_modules/.package-lock.json');
  if (existsSync(installedTree)) files.push(installedTree);
  // The checkout path too: source maps and symlinks in the package point into the checkout that built it.
  const hash = createHash('sha256').update(`stage=${STAGE}\0node=${process.version}\0root=${REPO_ROOT}\0`);
  for (const file of files) hash.update(relative(REPO_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 20);
}

async function runPackage(workDir: string, outDir: string): Promise<void> {
  const service = join(workDir, 'service');
  mkdirSync(service, { recursive: true });
  for (const entry of readdirSync(REPO_ROOT)) {
    if (!NOT_LINKED.has(entry)) symlinkSync(join(REPO_ROOT, entry), join(service, entry));
  }
  // osls only accepts a real file as the service's config.
  copyFileSync(join(REPO_ROOT, 'serverless.yml'), join(service, 'serverless.yml'));
  const cli = join(REPO_ROOT, 'node_modules/osls/bin/serverless.js');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, 'package', '--stage', STAGE, '--package', outDir], {
      cwd: service,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_EC2_METADATA_DISABLED: 'true' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    });
    writeFileSync(join(workDir, 'package.log'), `${stdout}\n${stderr}`);
  } catch (error) {
    const failure = error as Error & { stdout?: string; stderr?: string };
    writeFileSync(join(workDir, 'package.log'), `${failure.stdout ?? ''}\n${failure.stderr ?? ''}`);
    throw new Error(`sls package --stage ${STAGE} failed:\n${`${failure.stdout ?? ''}\n${failure.stderr ?? ''}`.slice(-4000)}`);
  }
}

function load(workDir: string, reused: boolean): Packaged {
  const dir = join(workDir, 'out');
  const now = new Date();
  utimesSync(workDir, now, now); // in use: keeps pruneOld away
  const marker = JSON.parse(readFileSync(join(workDir, 'complete.json'), 'utf8')) as { seconds: number };
  const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as CloudFormationTemplate;
  return { dir, serviceDir: join(workDir, 'service'), template, seconds: marker.seconds, reused };
}

let cached: Promise<Packaged> | undefined;

/** The packaged service (packaging it if no test process has yet). */
export function packaged(): Promise<Packaged> {
  cached ??= packageOnce();
  return cached;
}

async function packageOnce(): Promise<Packaged> {
  const root = join(tmpdir(), 'order-pipeline-package');
  const workDir = join(root, packagingInputsHash());
  const marker = join(workDir, 'complete.json');
  const lock = `${workDir}.lock`;
  mkdirSync(root, { recursive: true });
  const waitingSince = Date.now();

  for (;;) {
    if (existsSync(marker)) return load(workDir, true);
    try {
      mkdirSync(lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale(lock)) rmSync(lock, { recursive: true, force: true });
      if (Date.now() - waitingSince > 110_000) throw new Error(`Timed out waiting for another test process to package (${lock})`);
      await sleep(100);
      continue;
    }
    try {
      writeFileSync(join(lock, 'pid'), String(process.pid));
      if (existsSync(marker)) return load(workDir, true);
      rmSync(workDir, { recursive: true, force: true });
      mkdirSync(workDir, { recursive: true });
      const began = performance.now();
      await runPackage(workDir, join(workDir, 'out'));
      const seconds = Math.round((performance.now() - began) / 100) / 10;
      rmSync(join(workDir, 'service'), { recursive: true, force: true });
      writeFileSync(marker, JSON.stringify({ seconds, stage: STAGE, at: new Date().toISOString() }));
      return load(workDir, false);
    } finally {
      rmSync(lock, { recursive: true, force: true });
      pruneOld(root, workDir);
    }
  }
}

/** A lock whose packager died: its process is gone, or it never wrote its pid. */
function lockIsStale(lock: string): boolean {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    if (pid > 0) return !isAlive(pid);
  } catch {
    // no pid yet: the packager is just starting, or died before writing it
  }
  try {
    return Date.now() - statSync(lock).mtimeMs > 30_000;
  } catch {
    return false; // released meanwhile
  }
}

/** Packages of inputs that no longer exist, unused for a day, are removed. */
function pruneOld(root: string, keep: string): void {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    if (path === keep || entry.endsWith('.lock')) continue;
    try {
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // another process removed it first
    }
  }
}

/** Function zips: the artifact each AWS::Lambda::Function deploys, by logical id. */
export function functionArtifacts(result: Packaged): Map<string, string> {
  const artifacts = new Map<string, string>();
  for (const [id, resource] of Object.entries(result.template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const key = resource.Properties?.Code?.S3Key as string | undefined;
    if (!key) throw new Error(`${id} has no S3Key`);
    artifacts.set(id, join(result.dir, key.slice(key.lastIndexOf('/') + 1)));
  }
  return artifacts;
}
