// The cold-start section's pieces (bench/coldStart/): the esbuild options as serverless-esbuild passes them, the
// floors, the Lambda environment and the runner. serverless-esbuild removes its own keys and maps `exclude` and
// `outputFileExtension` (node_modules/serverless-esbuild/dist/bundle.js); Lambda's variables: Lambda developer guide,
// "Defined runtime environment variables" (AWS_EXECUTION_ENV is AWS_Lambda_<runtime>; with active tracing
// AWS_XRAY_CONTEXT_MISSING and AWS_XRAY_DAEMON_ADDRESS).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clientsIn, deployBuild, floorSource } from '../../../bench/coldStart/build.ts';
import { lambdaEnvironment, measureColdStarts, median, type ColdStartModule } from '../../../bench/coldStart/measure.ts';
import type { ServerlessYaml } from '../../definition/definition.ts';

const withEsbuild = (esbuild: Record<string, unknown>): ServerlessYaml => ({
  params: {},
  provider: { runtime: 'nodejs24.x' },
  functions: {},
  custom: { esbuild },
});

describe('deployBuild', () => {
  it("passes esbuild's options on and maps the plugin's own", () => {
    const { options, extension } = deployBuild(
      withEsbuild({ minify: true, format: 'esm', exclude: ['left-out'], external: ['also-out'], outputFileExtension: '.mjs', keepOutputDirectory: true }),
    );
    expect(extension).toBe('.mjs');
    expect(options).toMatchObject({ minify: true, format: 'esm', bundle: true, platform: 'node', outExtension: { '.js': '.mjs' } });
    expect(options.external).toEqual(['also-out', 'left-out']);
    for (const pluginKey of ['exclude', 'outputFileExtension', 'keepOutputDirectory']) expect(options).not.toHaveProperty(pluginKey);
  });

  it('refuses what it cannot reproduce: a config file, plugins, serverless variables', () => {
    expect(() => deployBuild(withEsbuild({ config: './esbuild.config.js' }))).toThrow(/custom\.esbuild\.config/);
    expect(() => deployBuild(withEsbuild({ plugins: './plugins.js' }))).toThrow(/custom\.esbuild\.plugins/);
    expect(() => deployBuild(withEsbuild({ target: '${param:target}' }))).toThrow(/serverless variable/);
  });
});

describe('floors', () => {
  it('names the clients a bundle holds from its source map, the document client counting for DynamoDB', () => {
    const sources = [
      '../../node_modules/@aws-sdk/client-dynamodb/dist-es/index.js',
      '../../node_modules/@aws-sdk/lib-dynamodb/dist-es/index.js',
      '../../node_modules/@aws-sdk/client-sns/dist-es/SNSClient.js',
      '../../functions/x/handler.ts',
    ];
    expect(clientsIn(sources)).toEqual(['DynamoDB document client', 'SNS']);
    expect(clientsIn(['node_modules/@aws-sdk/client-dynamodb/dist-es/index.js'])).toEqual(['DynamoDB']);
    expect(clientsIn(['node_modules/@aws-sdk/client-sfn/dist-es/index.js', 'node_modules/zod/index.js'])).toEqual(['SFN']);
  });

  it('constructs each client at import, as lib/clients.ts does', () => {
    const source = floorSource(['DynamoDB document client', 'SFN']);
    expect(source).toContain("import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';");
    expect(source).toContain('DynamoDBDocumentClient.from(new DynamoDBClient({})');
    expect(source).toContain('new SFNClient({})');
    expect(source).toMatch(/export const handler = /);
  });
});

describe('lambdaEnvironment', () => {
  const resource = {
    Type: 'AWS::Lambda::Function',
    Properties: {
      FunctionName: 'order-pipeline-prod-getOrder',
      Handler: 'functions/getOrder/handler.handler',
      Runtime: 'nodejs24.x',
      MemorySize: 512,
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', ORDERS_TABLE: { Ref: 'OrdersTable' } } },
    },
  };

  it("is Lambda's environment for the function, tracing on, and nothing of this process", () => {
    process.env.COLD_START_TEST_LEAK = 'leaked';
    try {
      const env = lambdaEnvironment(resource, '/var/task');
      expect(env).toMatchObject({
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        AWS_LAMBDA_FUNCTION_NAME: 'order-pipeline-prod-getOrder',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
        _HANDLER: 'functions/getOrder/handler.handler',
        LAMBDA_TASK_ROOT: '/var/task',
        AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR',
        NODE_OPTIONS: '--enable-source-maps',
      });
      expect(env.AWS_XRAY_DAEMON_ADDRESS).toMatch(/^\d+\.\d+\.\d+\.\d+:2000$/);
      expect(typeof env.ORDERS_TABLE === 'string' && env.ORDERS_TABLE.length > 0).toBe(true);
      expect(env).not.toHaveProperty('POWERTOOLS_TRACE_ENABLED');
      expect(env).not.toHaveProperty('COLD_START_TEST_LEAK');
    } finally {
      delete process.env.COLD_START_TEST_LEAK;
    }
  });

  it('has no X-Ray variables for a function without active tracing', () => {
    const untraced = { ...resource, Properties: { ...resource.Properties, TracingConfig: { Mode: 'PassThrough' } } };
    expect(lambdaEnvironment(untraced, '/var/task')).not.toHaveProperty('AWS_XRAY_DAEMON_ADDRESS');
  });
});

describe('measureColdStarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cold-start-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const moduleFile = (name: string, source: string) => {
    const file = join(dir, name);
    writeFileSync(file, source);
    return file;
  };
  const env = { PATH: process.env.PATH ?? '', LAMBDA_TASK_ROOT: dir };

  it('times each module and its floor once per round, in fresh processes', async () => {
    const slow: ColdStartModule = { key: 'slow', file: moduleFile('slow.mjs', 'const start = process.cpuUsage(); while (process.cpuUsage(start).user < 40_000); export const handler = () => 1;\n'), exportName: 'handler', env };
    const floor: ColdStartModule = { key: 'floor', file: moduleFile('floor.mjs', 'export const handler = () => 1;\n'), exportName: 'handler', env };
    const [samples] = await measureColdStarts([{ module: slow, floor }], 2, { quick: true });
    expect(samples!.module).toHaveLength(2);
    expect(samples!.floor).toHaveLength(2);
    // 40 ms of CPU spent at import (counted in CPU, so a busy machine cannot shorten it) is init time, wall and CPU,
    // and the floor has none of it.
    for (const [round, sample] of samples!.module.entries()) {
      expect(sample.initMs).toBeGreaterThanOrEqual(39);
      expect(sample.cpuMs).toBeGreaterThan(20);
      expect(sample.initMs).toBeGreaterThan(samples!.floor[round]!.initMs);
    }
  });

  it('fails naming the module when it does not export its handler', async () => {
    const broken: ColdStartModule = { key: 'broken', file: moduleFile('broken.mjs', 'export const other = 1;\n'), exportName: 'handler', env };
    const floor: ColdStartModule = { key: 'floor', file: moduleFile('floor2.mjs', 'export const handler = () => 1;\n'), exportName: 'handler', env };
    await expect(measureColdStarts([{ module: broken, floor }], 1, { quick: true })).rejects.toThrow(/broken: .*exports no function handler/s);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });
});
