// `serverless print` is kept by the hash of its inputs (local/stack/serverlessConfig.ts): a changed input must
// print afresh, and an unchanged one must not run osls at all.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadServerlessConfig, printCacheDir, printInputsHash, projectRoot } from '../../../local/stack/serverlessConfig.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'print-cache-'));
  mkdirSync(join(dir, 'workflows'));
  mkdirSync(join(dir, 'node_modules'));
  writeFileSync(join(dir, 'serverless.yml'), 'service: s\nprovider:\n  name: aws\n  x: ${file(workflows/flow.yml)}\n');
  writeFileSync(join(dir, 'workflows', 'flow.yml'), 'StartAt: A\n');
  writeFileSync(join(dir, 'node_modules', '.package-lock.json'), '{"packages":{"node_modules/osls":{"version":"4.3.1"}}}');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the serverless print cache key', () => {
  it('changes with serverless.yml, a ${file(...)} it reads, the installed tree and the stage', () => {
    const first = printInputsHash(dir, 'local');
    expect(printInputsHash(dir, 'local')).toBe(first);
    expect(printInputsHash(dir, 'prod')).not.toBe(first);

    writeFileSync(join(dir, 'workflows', 'flow.yml'), 'StartAt: B\n');
    const afterWorkflow = printInputsHash(dir, 'local');
    expect(afterWorkflow).not.toBe(first);

    writeFileSync(join(dir, 'node_modules', '.package-lock.json'), '{"packages":{"node_modules/osls":{"version":"4.3.2"}}}');
    const afterInstall = printInputsHash(dir, 'local');
    expect(afterInstall).not.toBe(afterWorkflow);

    writeFileSync(join(dir, 'serverless.yml'), readFileSync(join(dir, 'serverless.yml'), 'utf8') + '  y: 1\n');
    expect(printInputsHash(dir, 'local')).not.toBe(afterInstall);
  });

  it('is the whole story for this service: serverless.yml reads no environment variable and no .env file', () => {
    // Were it to, the printed result would depend on the shell and a cached print could be stale.
    const config = readFileSync(join(projectRoot, 'serverless.yml'), 'utf8');
    expect(config).not.toMatch(/\$\{env:/);
    expect(config).not.toMatch(/^useDotenv:/m);
  });
});

describe('loadServerlessConfig', () => {
  it('answers from the cache without running osls (there is none in this folder)', async () => {
    const cached = { service: 's', provider: { name: 'aws', stage: 'local', cachedMarker: true } };
    mkdirSync(printCacheDir(dir), { recursive: true });
    writeFileSync(join(printCacheDir(dir), `local-${printInputsHash(dir, 'local')}.json`), JSON.stringify(cached));
    await expect(loadServerlessConfig({ cwd: dir })).resolves.toEqual(cached);
  });

  it('prints afresh once an input changed: with no osls here, that attempt fails', async () => {
    mkdirSync(printCacheDir(dir), { recursive: true });
    writeFileSync(join(printCacheDir(dir), `local-${printInputsHash(dir, 'local')}.json`), JSON.stringify({ provider: {} }));
    writeFileSync(join(dir, 'workflows', 'flow.yml'), 'StartAt: C\n');
    await expect(loadServerlessConfig({ cwd: dir })).rejects.toThrow(/osls/);
  });
});
