import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CloudFormationResolver } from '../../local/stack/cloudFormation.ts';
import { inventoryItem, loadSeedFile, parseSeed, SeedError, tableDefinitions } from '../../local/stack/tables.ts';
import { printedConfig } from './fixtures.ts';

const good = { sku: 'SKU-1', name: 'Coffee beans 1kg', unitPrice: 8990, currency: 'BRL', stock: 25 };

describe('tableDefinitions', () => {
  it('builds CreateTable inputs from the CloudFormation properties, ignoring PITR and SSE', () => {
    const [orders, legacy] = tableDefinitions(new CloudFormationResolver(printedConfig()));
    expect(orders).toEqual({
      logicalId: 'OrdersTable',
      ttlAttribute: 'expiresAt',
      input: {
        TableName: 'shop-local-orders',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'orderId', AttributeType: 'S' },
          { AttributeName: 'customerId', AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          { IndexName: 'byCustomer', KeySchema: [{ AttributeName: 'customerId', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
        ],
      },
    });
    expect(legacy!.input.BillingMode).toBe('PROVISIONED');
    expect(legacy!.input.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 2, WriteCapacityUnits: 3 });
  });
});

describe('seed validation', () => {
  it('accepts a valid seed and stores stock as available', () => {
    const [entry] = parseSeed([good], 'catalog.json');
    expect(inventoryItem(entry!)).toEqual({ sku: 'SKU-1', name: 'Coffee beans 1kg', unitPrice: 8990, currency: 'BRL', available: 25 });
  });

  it.each([
    [[good, { ...good, sku: 'SKU-2', unitPrice: 19.9 }], /entry 1 \(SKU-2\), field "unitPrice": must be a whole number/],
    [[good, { ...good, sku: 'SKU 3' }], /entry 1 \(SKU 3\), field "sku": must be 1-64 letters/],
    [[{ ...good, currency: 'REAL' }], /entry 0 \(SKU-1\), field "currency": must be an ISO 4217/],
    [[{ ...good, stock: -1 }], /entry 0 \(SKU-1\), field "stock": must not be negative/],
    [[{ ...good, price: 1 }], /entry 0 \(SKU-1\), field "price": is not a known field/],
    [[good, { ...good }], /entry 1 \(SKU-1\), field "sku": duplicates entry 0/],
    [[good, { sku: 'SKU-9' }], /entry 1 \(SKU-9\), field "name"/],
    [{ products: [] }, /must be a JSON array/],
  ])('rejects %j naming the entry and field', (data, message) => {
    expect(() => parseSeed(data, 'seed.json')).toThrow(SeedError);
    expect(() => parseSeed(data, 'seed.json')).toThrow(message);
  });

  it('names the file when it is missing or not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    writeFileSync(join(dir, 'bad.json'), '[{');
    await expect(loadSeedFile(join(dir, 'bad.json'))).rejects.toThrow(/bad seed file .*bad\.json: not valid JSON/);
    await expect(loadSeedFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read seed file .*missing\.json: ENOENT/);
  });

  it('accepts the shipped catalog, which has a scarce SKU', async () => {
    const catalog = await loadSeedFile(join(import.meta.dirname, '../../local/seed/catalog.json'));
    expect(catalog.length).toBeGreaterThanOrEqual(5);
    expect(catalog.some((entry) => entry.stock === 1)).toBe(true);
  });
});
