// Once per test run, for the local-stack layers: start one DynamoDB Local (no -sharedDb: each test file gets its
// own database through its own access key) and print the serverless config once. Both are stopped/removed after.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/stack/dynamodbLocal.ts';
import { loadServerlessConfig } from '../../local/stack/serverlessConfig.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    serverlessConfigFile: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'order-pipeline-tests-'));
  const [dynamodb, config] = await Promise.all([startDynamoDbLocal({ sharedDb: false }), loadServerlessConfig()]);
  const configFile = join(dir, 'serverless.local.json');
  writeFileSync(configFile, JSON.stringify(config));
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  project.provide('serverlessConfigFile', configFile);
  return async () => {
    await dynamodb.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
