// The smoke run of `npm run bench` (bench/run.ts --quick): every section runs, on the real code paths, with the
// fewest runs and orders; its figures are not checked here (speed targets live in the bench, not in timed tests),
// only that each section produced its table beside a floor and said which targets it checks. Sections 3 and 4 (cost
// and scale) have their own smoke run with checked counts, tests/integration/costPerOrder.test.ts: they are left
// out here rather than run twice.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/stack/serverlessConfig.ts';
import { renderBenchmarks, runBench, SECTIONS, type BenchRun } from '../../bench/run.ts';

describe('npm run bench --quick', () => {
  let run: BenchRun;

  it('runs sections 1, 2 and 5 without an error, each with the targets it checks', async () => {
    run = await runBench({ quick: true, only: [1, 2, 5] });
    expect(run.sections.map((section) => section.number)).toEqual([1, 2, 5]);
    for (const section of run.sections) {
      expect(section.error, `section ${section.number}`).toBeUndefined();
      expect(section.markdown.length, `section ${section.number}`).toBeGreaterThan(200);
      expect(section.targets.length, `section ${section.number}`).toBeGreaterThan(0);
      for (const target of section.targets) expect(target.detail).not.toBe('');
    }
  }, 180_000);

  it('puts every measured figure beside its floor', () => {
    const byNumber = new Map(run.sections.map((section) => [section.number, section.markdown]));
    expect(byNumber.get(1)).toMatch(/floor/i);
    expect(byNumber.get(2)).toMatch(/floor/i);
    expect(byNumber.get(5)).toMatch(/wall time/);
  });

  it('renders BENCHMARKS.md with the machine, the method, the targets and the sections run', () => {
    const text = renderBenchmarks(run);
    expect(text).toMatch(/^# Benchmarks\n/);
    expect(text).toMatch(/Machine: \d+ cores/);
    expect(text).toContain('## Targets');
    for (const section of SECTIONS.filter((section) => [1, 2, 5].includes(section.number))) expect(text).toContain(`## ${section.title}`);
    const targets = run.sections.flatMap((section) => section.targets).length;
    expect(text).toMatch(new RegExp(`\\d+ of ${targets} met\\.`));
  });

  it('as a command: bad flags exit 2 with one line naming the flag', () => {
    const ran = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only', '9'], { cwd: projectRoot, encoding: 'utf8' });
    expect(ran.status).toBe(2);
    expect(ran.stderr.trim().split('\n')).toHaveLength(1);
    expect(ran.stderr).toContain('--only');
  });
});
