// Section 5: how long `npm test` takes on this machine, and which files take it. The suite runs in a child process
// exactly as the README runs it (vitest run, the repo's vitest.config.ts), with a JSON report for the per-file times.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../local/stack/serverlessConfig.ts';
import type { BenchOptions, BenchSection } from './section.ts';

export const TEST_WALL_TARGET_SECONDS = 60;

/** A file the smoke run times instead of the suite (the suite would run the smoke run again). */
const QUICK_FILES = ['tests/unit/domain/money.test.ts'];

interface VitestReport {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: Array<{ name: string; startTime: number; endTime: number; assertionResults: unknown[] }>;
}

export interface SuiteTiming {
  wallSeconds: number;
  cpuSeconds: number;
  passed: number;
  failed: number;
  total: number;
  files: Array<{ file: string; seconds: number; tests: number }>;
}

/** Runs vitest in a child and reads its JSON report; CPU is the child tree's user + system time. */
export async function timeSuite(files: string[]): Promise<SuiteTiming> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-suite-'));
  const report = join(dir, 'report.json');
  const vitest = join(projectRoot, 'node_modules', 'vitest', 'vitest.mjs');
  const started = performance.now();
  const cpuBefore = reapedChildrenCpuSeconds();
  try {
    const exitCode = await new Promise<number | null>((resolveRun, reject) => {
      const child = spawn(process.execPath, [vitest, 'run', ...files, '--reporter=json', `--outputFile.json=${report}`], {
        cwd: projectRoot,
        // A run of its own: none of a calling vitest's variables (the smoke test runs this inside one).
        env: { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST'))), CI: 'true' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.once('error', reject);
      child.once('exit', (code) => resolveRun(code));
    });
    const wallSeconds = (performance.now() - started) / 1000;
    let parsed: VitestReport;
    try {
      parsed = JSON.parse(readFileSync(report, 'utf8')) as VitestReport;
    } catch {
      throw new Error(`vitest exited ${exitCode} without a JSON report`);
    }
    const cpuSeconds = reapedChildrenCpuSeconds() - cpuBefore;
    return {
      wallSeconds,
      cpuSeconds,
      passed: parsed.numPassedTests,
      failed: parsed.numFailedTests,
      total: parsed.numTotalTests,
      files: parsed.testResults
        .map((result) => ({
          file: result.name.startsWith(projectRoot) ? result.name.slice(projectRoot.length + 1) : result.name,
          seconds: (result.endTime - result.startTime) / 1000,
          tests: result.assertionResults.length,
        }))
        .sort((a, b) => b.seconds - a.seconds),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * User + system CPU of this process's finished children and theirs (cutime + cstime of /proc/self/stat, in clock
 * ticks of 1/100 s on Linux): the whole suite, its workers, DynamoDB Local and the browser included.
 */
function reapedChildrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5), counted from 1 with pid and comm as 1 and 2: here at 13 and 14.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

function seconds(value: number): string {
  return `${value.toFixed(1)} s`;
}

export async function runTestSuiteSection(options: BenchOptions): Promise<BenchSection> {
  const files = options.quick ? QUICK_FILES : [];
  options.log?.(`bench: timing ${options.quick ? QUICK_FILES.join(' ') : 'npm test (the whole suite)'}`);
  const timing = await timeSuite(files);
  const slowest = timing.files.slice(0, 12);
  const cores = (await import('node:os')).cpus().length;
  const met = timing.failed === 0 && timing.wallSeconds < TEST_WALL_TARGET_SECONDS;
  const lines = [
    options.quick
      ? `Smoke run: only ${QUICK_FILES.join(', ')} was timed (the suite itself runs this smoke run).`
      : 'The whole suite, as `npm test` runs it (`vitest run` with the repository\'s vitest.config.ts), in a child process.',
    '',
    '| figure | value |',
    '| --- | --- |',
    `| wall time | ${seconds(timing.wallSeconds)} (target < ${TEST_WALL_TARGET_SECONDS} s) |`,
    `| CPU time (all processes of the run) | ${seconds(timing.cpuSeconds)}, ${(timing.cpuSeconds / timing.wallSeconds).toFixed(2)} of ${cores} cores busy on average |`,
    `| tests | ${timing.passed} passed, ${timing.failed} failed, ${timing.total} in all, in ${timing.files.length} files |`,
    '',
    'Slowest files (each file\'s own wall time; files run three at a time, so these overlap):',
    '',
    '| file | tests | seconds |',
    '| --- | --- | --- |',
    ...slowest.map((file) => `| \`${file.file}\` | ${file.tests} | ${file.seconds.toFixed(1)} |`),
    '',
    '### Why',
    '',
    `The suite is bound by CPU, not by waiting: ${seconds(timing.cpuSeconds)} of CPU on ${cores} cores cannot take less ` +
      `than ${seconds(timing.cpuSeconds / cores)} of wall time, whatever runs in parallel. Most of it is start-up: ` +
      'every file of the local-stack layers starts a stack (its tables, its function threads), and the files that ' +
      'test the commands as a user types them (`tests/local/cli.test.ts`, `startSignals.test.ts`, the `npm run ' +
      'redrive`, `sls invoke stepf` and `aws` calls of `tests/integration`) start whole processes - Node with tsx, ' +
      'a DynamoDB Local JVM (about 1.5 s of CPU each), osls - a dozen times. Under 60 s would take less than half of ' +
      'that start-up: the end-to-end command tests folded into fewer processes, or run by a separate command.',
    '',
    '### What changed it',
    '',
    '| change | effect |',
    '| --- | --- |',
    '| before this issue | 227 s for the suite in the last clean-clone `.ci/run` (1,407 tests), 314 s on this machine while other work ran |',
    '| the local runtime runs each function from its deploy bundle (local/engine/handlerBundles.ts) instead of its TypeScript sources through tsx | a function thread\'s cold start from ~0.9 s of CPU to ~0.35 s; every stack of the suite starts up to ten |',
    '| `serverless print` kept by the hash of its inputs (local/stack/serverlessConfig.ts) | ~3 s of CPU less for every `npm start`, `npm run invoke` and `npm run reconcile` process after the first |',
    '| FAULTS decided in the function threads while nothing can be injected; X-Ray\'s manual mode locally (section 2) | less CPU per order in every test that runs orders |',
  ];
  return {
    title: '5. `npm test` wall time',
    markdown: lines.join('\n'),
    targets: [
      {
        name: `npm test under ${TEST_WALL_TARGET_SECONDS} s, every test passing`,
        met,
        detail: `${seconds(timing.wallSeconds)} wall, ${timing.passed}/${timing.total} passed${options.quick ? ' (smoke run: one file)' : ''}`,
      },
    ],
  };
}
