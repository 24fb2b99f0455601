// How `npm start` stops, as a user meets it: one Ctrl-C in a terminal signals the whole foreground process group
// (npm and node), and npm forwards its own copy, so node sees SIGINT twice at once; that is still one Ctrl-C and
// must stop cleanly with exit 0. And the --persist folder: one stack at a time, and the DynamoDB Local a killed
// stack leaves behind is stopped by the next start on the folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/stack/serverlessConfig.ts';
import { isAlive } from '../../local/stack/processCleanup.ts';

const DROPPED_ENV = /^(FAULTS|PORT|LOCAL_API_KEY|LOCAL_LOG_LEVEL|ORDERS_TABLE|INVENTORY_TABLE|PAYMENTS_TABLE|NOTIFICATIONS_TOPIC_ARN|STATE_MACHINE_ARN|VITEST.*|POWERTOOLS_.*|AWS_.*|npm_.*)$/;
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !DROPPED_ENV.test(name)));
const folders: string[] = [];
const started: ChildProcess[] = [];
const javaPids = new Set<number>();

afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of javaPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** Every DynamoDB Local process whose command line names this folder (the persisted ones do: -dbPath DIR/dynamodb). */
function dynamoDbLocalsOf(dir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes('DynamoDBLocal.jar') && cmdline.includes(dir)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function start(command: string, args: string[], options: { detached?: boolean } = {}) {
  const child = spawn(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const ready = async () => {
    for (let i = 0; i < 600; i++) {
      if (/Ready in /.test(stdout)) return;
      if (child.exitCode !== null) throw new Error(`exited early (${child.exitCode}): ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('not ready in 60 s');
  };
  return { child, done, ready, stdout: () => stdout, stderr: () => stderr };
}

const nodeStart = (...args: string[]) => [process.execPath, ['--import', 'tsx', 'local/commands/start.ts', '--port', '0', '--aws-port', '0', ...args]] as const;

describe('one Ctrl-C stops npm start and exits 0', () => {
  it.concurrent('under npm, with SIGINT sent to the whole process group as a terminal does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-pipeline-sigint-'));
    folders.push(dir);
    // `npm start` as typed (npm 11 forwards the SIGINT it gets to the script, which also gets the terminal's own).
    const npm = start('npm', ['start', '--', '--port', '0', '--aws-port', '0', '--persist', dir], { detached: true });
    await npm.ready();
    const java = dynamoDbLocalsOf(dir);
    expect(java).toHaveLength(1);
    javaPids.add(java[0]!);
    process.kill(-npm.child.pid!, 'SIGINT');
    expect(await npm.done).toEqual({ code: 0, signal: null });
    expect(npm.stdout()).toContain('SIGINT: stopping');
    expect(npm.stderr()).not.toContain('again: exiting now');
    expect(isAlive(java[0]!)).toBe(false);
  }, 90_000);

  it.concurrent('under plain node, with the two copies of one Ctrl-C that npm in a terminal delivers (ms apart)', async () => {
    // Whether npm forwards its copy depends on how it was started (seen: it does from a shell, not always from
    // a test runner), so the double delivery is also made here by hand.
    const [command, args] = nodeStart();
    const node = start(command, [...args]);
    await node.ready();
    node.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 10));
    node.child.kill('SIGINT');
    expect(await node.done).toEqual({ code: 0, signal: null });
    expect(node.stderr()).not.toContain('again: exiting now');
  }, 90_000);
});

describe('a --persist folder serves one stack at a time', () => {
  it('a second stack on the folder refuses to start, naming the first; a killed stack\'s DynamoDB Local is stopped by the next start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'order-pipeline-lock-'));
    folders.push(dir);
    const [command, args] = nodeStart('--persist', dir);
    const first = start(command, [...args]);
    await first.ready();
    const second = start(command, [...args]);
    expect((await second.done).code).toBe(1);
    expect(second.stderr()).toContain(`is in use by another local stack (pid ${first.child.pid}`);

    // Killed with no chance to clean up: its DynamoDB Local stays behind.
    const orphan = dynamoDbLocalsOf(dir);
    expect(orphan).toHaveLength(1);
    javaPids.add(orphan[0]!);
    first.child.kill('SIGKILL');
    await first.done;
    expect(isAlive(orphan[0]!)).toBe(true);

    const third = start(command, [...args]);
    await third.ready();
    expect(third.stderr()).toContain(`stopped DynamoDB Local (pid ${orphan[0]}) left running in ${dir}`);
    expect(isAlive(orphan[0]!)).toBe(false);
    const own = dynamoDbLocalsOf(dir);
    expect(own).toHaveLength(1);
    javaPids.add(own[0]!);
    third.child.kill('SIGTERM');
    expect((await third.done).code).toBe(0);
  }, 120_000);
});
