// Re-seeding a persisted stack (`--persist DIR --seed FILE`) is a stock count: each SKU's available stock becomes
// the seed's, orders placed before keep their records, and the consistency check does not count them against the
// new count (local/consistency/consistency.ts, guarantee 2) - so a re-seed reports no violation that is not real.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEED_FILE, startLocalStack, type LocalStack } from '../../local/stack/stack.ts';
import { cachedConfig } from '../support/localStack.ts';
import { orderInput, runOrder, stockOf } from '../workflow/support.ts';

const dir = mkdtempSync(join(tmpdir(), 'order-pipeline-reseed-'));
let current: LocalStack | undefined;
afterAll(async () => {
  await current?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const start = async (seedFile?: string) => {
  current = await startLocalStack({ port: 0, awsPort: 0, quiet: true, retryIntervalOverrides: 0, config: cachedConfig(), persistDir: dir, ...(seedFile ? { seedFile } : {}) });
  return current;
};

describe('a re-seeded persisted stack', () => {
  it('keeps the earlier orders, takes the seed as the stock count, and reports no violation', async () => {
    const first = await start();
    const seeded = (await stockOf(first))['SKU-1']!;
    for (let i = 0; i < 2; i++) expect((await runOrder(first, orderInput([{ sku: 'SKU-1', quantity: 2 }]))).order?.status).toBe('CONFIRMED');
    expect((await stockOf(first))['SKU-1']).toBe(seeded - 4);
    await first.stop();

    const second = await start(DEFAULT_SEED_FILE);
    expect((await stockOf(second))['SKU-1']).toBe(seeded); // counted again from the seed
    expect((await second.checkConsistency()).violations).toEqual([]);
    const after = await runOrder(second, orderInput([{ sku: 'SKU-1', quantity: 1 }]));
    expect(after.order?.status).toBe('CONFIRMED');
    expect((await stockOf(second))['SKU-1']).toBe(seeded - 1);
    // The earlier orders are still there, and the new one is counted: 0 violations over all three.
    const report = await second.checkConsistency();
    expect(report.violations).toEqual([]);
    expect((await second.executions.list()).length).toBe(3);
  }, 90_000);
});
