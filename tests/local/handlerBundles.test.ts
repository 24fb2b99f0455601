// The local runtime runs each function from its esbuild bundle, built with serverless.yml's custom.esbuild
// (local/engine/handlerBundles.ts), and keeps it while its inputs stay the same.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { esbuildOptionsOf, HandlerBundler } from '../../local/engine/handlerBundles.ts';
import { loadServerlessConfig } from '../../local/stack/serverlessConfig.ts';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bundles-'));
  mkdirSync(join(root, 'fn'));
  writeFileSync(join(root, 'fn', 'handler.ts'), "import { greeting } from './greeting.ts';\nexport const handler = async () => greeting;\n");
  writeFileSync(join(root, 'fn', 'greeting.ts'), "export const greeting: string = 'first';\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const OPTIONS = esbuildOptionsOf({ bundle: true, format: 'esm', platform: 'node', target: 'node24', outputFileExtension: '.mjs', exclude: [] });

async function answerOf(bundle: string): Promise<unknown> {
  // A query string per read: the module cache must not hand back an earlier bundle's module.
  const mod = (await import(`${pathToFileURL(bundle).href}?read=${Math.random()}`)) as { handler: () => Promise<unknown> };
  return mod.handler();
}

describe('HandlerBundler', () => {
  it('builds one module with every source inlined, then reuses it while no input changed', async () => {
    const bundler = new HandlerBundler(root, OPTIONS);
    const first = await bundler.bundle(join(root, 'fn', 'handler.ts'));
    expect(first.endsWith('.mjs')).toBe(true);
    // greeting.ts is inside it: the bundle imports nothing.
    expect(readFileSync(first, 'utf8')).not.toMatch(/\bimport\b/);
    await expect(answerOf(first)).resolves.toBe('first');
    const builtAt = statSync(first).mtimeMs;

    // A new bundler (another stack start): same inputs, the same file, not rebuilt.
    const again = await new HandlerBundler(root, OPTIONS).bundle(join(root, 'fn', 'handler.ts'));
    expect(again).toBe(first);
    expect(statSync(again).mtimeMs).toBe(builtAt);
  });

  it('builds afresh when a module the handler imports changed', async () => {
    const first = await new HandlerBundler(root, OPTIONS).bundle(join(root, 'fn', 'handler.ts'));
    await expect(answerOf(first)).resolves.toBe('first');
    writeFileSync(join(root, 'fn', 'greeting.ts'), "export const greeting: string = 'second';\n");
    const second = await new HandlerBundler(root, OPTIONS).bundle(join(root, 'fn', 'handler.ts'));
    await expect(answerOf(second)).resolves.toBe('second');
  });

  it('keeps bundles built with other options apart', async () => {
    const plain = await new HandlerBundler(root, OPTIONS).bundle(join(root, 'fn', 'handler.ts'));
    const minified = await new HandlerBundler(root, { ...OPTIONS, minify: true }).bundle(join(root, 'fn', 'handler.ts'));
    expect(minified).not.toBe(plain);
    expect(readFileSync(minified, 'utf8').length).toBeLessThan(readFileSync(plain, 'utf8').length);
  });
});

describe('esbuildOptionsOf', () => {
  it("passes esbuild's options on and drops serverless-esbuild's own (its dist/bundle.js removes the same list)", () => {
    const options = esbuildOptionsOf({
      minify: true,
      sourcemap: true,
      format: 'esm',
      target: 'node24',
      banner: { js: '// b' },
      outputFileExtension: '.mjs',
      exclude: ['left-out'],
      packager: 'npm',
      external: ['kept-out'],
    }) as Record<string, unknown>;
    expect(options).toMatchObject({ bundle: true, platform: 'node', minify: true, sourcemap: true, format: 'esm', target: 'node24', banner: { js: '// b' } });
    expect(options.external).toEqual(['kept-out', 'left-out']);
    for (const pluginOnly of ['outputFileExtension', 'exclude', 'packager']) expect(options).not.toHaveProperty(pluginOnly);
  });

  it("takes this service's serverless.yml as it deploys: minified ESM for node24, as serverless.yml says", async () => {
    const config = await loadServerlessConfig();
    const options = esbuildOptionsOf((config.custom as { esbuild: Record<string, unknown> }).esbuild) as Record<string, unknown>;
    expect(options).toMatchObject({ bundle: true, minify: true, format: 'esm', target: 'node24', platform: 'node' });
  });
});
