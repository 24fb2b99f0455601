// What each part of `npm run bench` returns: its section of BENCHMARKS.md, and the targets it checks, so the run
// can say which are met (and the smoke test can check the shape without timing anything).

export interface BenchTarget {
  /** What is checked, e.g. "createOrder init <= 1.3x floor". */
  name: string;
  met: boolean;
  /** The measured figure beside its floor, e.g. "1.12x (41.0 ms vs 36.6 ms)". */
  detail: string;
}

export interface BenchSection {
  /** The section heading, without the leading `## `. */
  title: string;
  /** The section's body in Markdown (tables, method, what changed a figure). */
  markdown: string;
  targets: BenchTarget[];
}

export interface BenchOptions {
  /** A smoke run for `npm test`: the fewest runs and orders that still exercise every code path. */
  quick: boolean;
  /** Progress lines (stderr); sections stay silent without it. */
  log?: (line: string) => void;
}
