// Tables come from the AWS::DynamoDB::Table resources in serverless.yml (no second schema), and the catalog
// from a seed file checked against the domain's own SKU and currency rules.
import { readFile } from 'node:fs/promises';
import {
  CreateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { CurrencySchema, SkuSchema } from '../../domain/schemas.ts';
import type { CloudFormationResolver } from './cloudFormation.ts';

export interface LocalTable {
  logicalId: string;
  input: CreateTableCommandInput;
  ttlAttribute?: string;
}

type Props = Record<string, unknown>;

function throughput(value: unknown, billingMode: string) {
  if (billingMode === 'PAY_PER_REQUEST') return undefined;
  const t = (value ?? {}) as Props;
  return { ReadCapacityUnits: Number(t.ReadCapacityUnits ?? 5), WriteCapacityUnits: Number(t.WriteCapacityUnits ?? 5) };
}

/** CreateTable inputs for every AWS::DynamoDB::Table; point-in-time recovery, SSE, tags and the like are ignored. */
export function tableDefinitions(resolver: CloudFormationResolver): LocalTable[] {
  return resolver.resourcesOfType('AWS::DynamoDB::Table').map(({ logicalId, properties: p }) => {
    if (typeof p.TableName !== 'string') throw new Error(`table ${logicalId} needs a TableName for the local stack`);
    if (!Array.isArray(p.KeySchema) || !Array.isArray(p.AttributeDefinitions)) {
      throw new Error(`table ${logicalId} needs KeySchema and AttributeDefinitions`);
    }
    const billingMode = typeof p.BillingMode === 'string' ? p.BillingMode : 'PROVISIONED';
    const input: CreateTableCommandInput = {
      TableName: p.TableName,
      KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
      AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
      BillingMode: billingMode as CreateTableCommandInput['BillingMode'],
    };
    const provisioned = throughput(p.ProvisionedThroughput, billingMode);
    if (provisioned) input.ProvisionedThroughput = provisioned;
    if (Array.isArray(p.GlobalSecondaryIndexes)) {
      input.GlobalSecondaryIndexes = (p.GlobalSecondaryIndexes as Props[]).map((gsi) => {
        const index: NonNullable<CreateTableCommandInput['GlobalSecondaryIndexes']>[number] = {
          IndexName: gsi.IndexName as string,
          KeySchema: gsi.KeySchema as never,
          Projection: gsi.Projection as never,
        };
        const gsiThroughput = throughput(gsi.ProvisionedThroughput, billingMode);
        if (gsiThroughput) index.ProvisionedThroughput = gsiThroughput;
        return index;
      });
    }
    if (Array.isArray(p.LocalSecondaryIndexes)) {
      input.LocalSecondaryIndexes = (p.LocalSecondaryIndexes as Props[]).map((lsi) => ({
        IndexName: lsi.IndexName as string,
        KeySchema: lsi.KeySchema as never,
        Projection: lsi.Projection as never,
      }));
    }
    const stream = p.StreamSpecification as Props | undefined;
    if (stream?.StreamViewType) {
      input.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.StreamViewType as never };
    }
    const ttl = p.TimeToLiveSpecification as Props | undefined;
    const table: LocalTable = { logicalId, input };
    if (ttl?.Enabled === true || ttl?.Enabled === 'true') table.ttlAttribute = ttl.AttributeName as string;
    return table;
  });
}

/** Creates each table; one that already exists (a --persist folder) is kept as it is. */
export async function createTables(client: DynamoDBClient, tables: LocalTable[]): Promise<Map<string, { tableName: string; created: boolean }>> {
  const out = new Map<string, { tableName: string; created: boolean }>();
  await Promise.all(
    tables.map(async (table) => {
      let created = true;
      try {
        await client.send(new CreateTableCommand(table.input));
      } catch (error) {
        if ((error as Error).name !== 'ResourceInUseException') {
          throw new Error(`creating table ${table.input.TableName} (${table.logicalId}) failed: ${(error as Error).message}`);
        }
        created = false;
      }
      if (created && table.ttlAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: table.input.TableName,
            TimeToLiveSpecification: { Enabled: true, AttributeName: table.ttlAttribute },
          }),
        );
      }
      out.set(table.logicalId, { tableName: table.input.TableName!, created });
    }),
  );
  return out;
}

// --- the catalog seed --------------------------------------------------------------------------

export const SeedEntrySchema = z.strictObject({
  sku: SkuSchema,
  name: z.string({ error: 'must be text' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  unitPrice: z
    .number({ error: 'must be a number' })
    .int('must be a whole number of minor units (centavos)')
    .positive('must be positive')
    .max(Number.MAX_SAFE_INTEGER, 'is too large'),
  currency: CurrencySchema,
  stock: z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must not be negative'),
});
export type SeedEntry = z.infer<typeof SeedEntrySchema>;

export const SeedSchema = z
  .array(SeedEntrySchema, { error: 'must be a JSON array of products' })
  .superRefine((entries, ctx) => {
    const seen = new Map<string, number>();
    entries.forEach((entry, index) => {
      const first = seen.get(entry.sku);
      if (first === undefined) seen.set(entry.sku, index);
      else ctx.addIssue({ code: 'custom', path: [index, 'sku'], message: `duplicates entry ${first}` });
    });
  });

export class SeedError extends Error {
  override readonly name = 'SeedError';
}

/** Validates a parsed seed; the error names the file, the entry (index and SKU when known) and the field. */
export function parseSeed(data: unknown, source: string): SeedEntry[] {
  const result = SeedSchema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const [index, ...rest] = issue.path;
  const fields = issue.code === 'unrecognized_keys' ? [...rest, issue.keys[0]] : rest;
  if (typeof index !== 'number') return failSeed(source, issue.message);
  const raw = Array.isArray(data) ? (data[index] as { sku?: unknown } | undefined) : undefined;
  const sku = raw && typeof raw === 'object' && typeof raw.sku === 'string' ? ` (${raw.sku})` : '';
  const field = fields.length > 0 ? `, field "${fields.map(String).join('.')}"` : '';
  const message = issue.code === 'unrecognized_keys' ? 'is not a known field (expected sku, name, unitPrice, currency, stock)' : issue.message;
  return failSeed(source, `entry ${index}${sku}${field}: ${message}`);
}

function failSeed(source: string, detail: string): never {
  throw new SeedError(`bad seed file ${source}: ${detail}`);
}

export async function loadSeedFile(path: string): Promise<SeedEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new SeedError(`cannot read seed file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SeedError(`bad seed file ${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseSeed(data, path);
}

/** How a seed entry is stored in the Inventory table: `stock` becomes `available`. */
export function inventoryItem(entry: SeedEntry) {
  return { sku: entry.sku, name: entry.name, unitPrice: entry.unitPrice, currency: entry.currency, available: entry.stock };
}

export async function seedInventory(client: DynamoDBClient, tableName: string, entries: SeedEntry[]): Promise<void> {
  const doc = DynamoDBDocumentClient.from(client);
  for (let i = 0; i < entries.length; i += 25) {
    let requests: Record<string, unknown[]> = {
      [tableName]: entries.slice(i, i + 25).map((entry) => ({ PutRequest: { Item: inventoryItem(entry) } })),
    };
    for (let attempt = 0; Object.keys(requests).length > 0; attempt++) {
      if (attempt > 10) throw new Error(`seeding ${tableName} did not finish`);
      const result = await doc.send(new BatchWriteCommand({ RequestItems: requests as never }));
      requests = (result.UnprocessedItems ?? {}) as Record<string, unknown[]>;
    }
  }
}
