// npm run bench -- [--quick] [--only 1,2,...] [--out FILE]
// Runs the five measurements of BENCHMARKS.md and writes it (default: BENCHMARKS.md at the project root). Every
// figure is measured in the same run as its floor, and reported as a ratio to it: absolute times on a shared
// machine drift, ratios much less. `--quick` is the smoke run `npm test` makes (tests/bench): the fewest runs
// that still go through every code path, written to --out. Exit 0 when the file is written (a missed target is a
// finding, reported in the file and on stderr), 1 when a section could not run, 2 for bad flags.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandFailure, parseStrictFlags } from '../local/commands/cli.ts';
import { projectRoot } from '../local/stack/serverlessConfig.ts';
import { machineFacts, type MachineFacts } from './machine.ts';
import type { BenchOptions, BenchSection } from './section.ts';

const USAGE = 'usage: npm run bench -- [--quick] [--only 1,2,3,4,5] [--out FILE]';

interface SectionRunner {
  number: number;
  title: string;
  run: (options: BenchOptions) => Promise<BenchSection>;
}

// Loaded when run: a section's imports (the local stack, esbuild, the SDK) cost nothing when it is not chosen.
export const SECTIONS: SectionRunner[] = [
  { number: 1, title: '1. Cold start and bundle size per function', run: async (o) => (await import('./coldStart.ts')).runColdStartSection(o) },
  { number: 2, title: '2. Local end to end', run: async (o) => (await import('./throughput.ts')).runThroughputSection(o) },
  { number: 3, title: '3. Cost per order on AWS', run: async (o) => (await import('./cost.ts')).runCostSection(o) },
  { number: 4, title: '4. Scale on AWS, on paper', run: async (o) => (await import('./scale.ts')).runScaleSection(o) },
  { number: 5, title: '5. `npm test` wall time', run: async (o) => (await import('./testSuite.ts')).runTestSuiteSection(o) },
];

export interface BenchRun {
  startedAt: Date;
  seconds: number;
  machine: MachineFacts;
  quick: boolean;
  sections: Array<BenchSection & { number: number; error?: string }>;
}

export async function runBench(options: BenchOptions & { only?: number[] }): Promise<BenchRun> {
  const startedAt = new Date();
  const machine = machineFacts();
  const started = performance.now();
  const sections: BenchRun['sections'] = [];
  for (const section of SECTIONS) {
    if (options.only && !options.only.includes(section.number)) continue;
    options.log?.(`bench: section ${section.title}`);
    try {
      // One heading per section, whatever the section calls itself.
      sections.push({ number: section.number, ...(await section.run(options)), title: section.title });
    } catch (error) {
      const message = (error as Error).stack ?? String(error);
      options.log?.(`bench: section ${section.number} could not run: ${message}`);
      sections.push({ number: section.number, title: section.title, markdown: '', targets: [], error: message });
    }
  }
  return { startedAt, seconds: (performance.now() - started) / 1000, machine, quick: options.quick, sections };
}

export function renderBenchmarks(run: BenchRun): string {
  const { machine } = run;
  const targets = run.sections.flatMap((section) => section.targets.map((target) => ({ section: section.number, ...target })));
  const met = targets.filter((target) => target.met).length;
  const out = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\`${run.quick ? ' --quick (a smoke run: too few runs for the figures to mean much)' : ''} on ` +
      `${run.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${Math.round(run.seconds)} s. Run it again to ` +
      'regenerate this file; do not edit it by hand.',
    '',
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.java}; ` +
      `load average ${machine.loadAtStart} at the start.`,
    '',
    'Method, for every section: each figure is measured in the same run as its floor (the least the same work can ' +
      'cost on this machine) and given as a ratio to it, because absolute times on a shared machine drift. Each ' +
      'section says what its floor is.',
    '',
    '## Targets',
    '',
    `${met} of ${targets.length} met.`,
    '',
    '| section | target | met | measured |',
    '| --- | --- | --- | --- |',
    ...targets.map((target) => `| ${target.section} | ${target.name} | ${target.met ? 'yes' : '**no**'} | ${target.detail} |`),
  ];
  for (const section of run.sections) {
    out.push('', `## ${section.title}`, '');
    out.push(section.error ? `This section could not run:\n\n\`\`\`\n${section.error}\n\`\`\`` : section.markdown);
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const fail = commandFailure('npm run bench');
  const values = parseStrictFlags({ quick: { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' } }, USAGE, fail);
  let only: number[] | undefined;
  if (values.only !== undefined) {
    only = values.only.split(',').map((part) => Number(part.trim()));
    const known = SECTIONS.map((section) => section.number);
    if (only.some((number) => !known.includes(number))) fail(`--only takes section numbers from ${known.join(', ')}, got "${values.only}" (${USAGE})`, 2);
  }
  const out = values.out ?? join(projectRoot, 'BENCHMARKS.md');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const run = await runBench({ quick: values.quick ?? false, ...(only ? { only } : {}), log });
  writeFileSync(out, renderBenchmarks(run));
  const targets = run.sections.flatMap((section) => section.targets);
  const missed = targets.filter((target) => !target.met);
  for (const target of missed) log(`bench: target missed: ${target.name}: ${target.detail}`);
  log(`bench: wrote ${out}: ${targets.length - missed.length} of ${targets.length} targets met`);
  if (run.sections.some((section) => section.error)) process.exit(1);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
