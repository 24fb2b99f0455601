// A local stack for one test file: the real workflow definition and handlers, on the run's shared DynamoDB Local,
// in a database of the file's own (its own access key), quiet, with retry pauses at zero.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack/stack.ts';
import type { ServerlessConfig } from '../../local/stack/serverlessConfig.ts';

export function cachedConfig(): ServerlessConfig {
  return JSON.parse(readFileSync(inject('serverlessConfigFile'), 'utf8')) as ServerlessConfig;
}

export function localStackOptions(overrides: LocalStackOptions = {}): LocalStackOptions {
  return {
    port: 0,
    quiet: true,
    retryIntervalOverrides: 0,
    config: cachedConfig(),
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    accessKeyId: `test${randomUUID().replaceAll('-', '')}`,
    ...overrides,
  };
}

/** Starts the stack before the file's tests and stops it after; read `.current` inside tests. */
export function useLocalStack(overrides: LocalStackOptions = {}): { current: LocalStack } {
  const holder = {} as { current: LocalStack };
  beforeAll(async () => {
    holder.current = await startLocalStack(localStackOptions(overrides));
  });
  afterAll(async () => {
    await holder.current?.stop();
  });
  return holder;
}
