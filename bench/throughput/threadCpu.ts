// CPU time by thread, read from /proc (Linux): this process's threads grouped by what they run, and another
// process's total (DynamoDB Local's JVM). In ms.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime/stime (USER_HZ: 100 on Linux). */
const TICK_MS = 10;

function statFields(path: string): { name: string; cpuMs: number } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // the thread or process ended meanwhile
  }
  const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3 of stat(5), utime 14 and stime 15 - here 0-based from state: 11 and 12.
  return { name, cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS };
}

/** User + system CPU of a whole process (every thread, ended ones included), in ms. */
export function processCpuMs(pid: number): number {
  const stat = statFields(`/proc/${pid}/stat`);
  if (!stat) throw new Error(`no process ${pid} to read the CPU time of`);
  return stat.cpuMs;
}

export type ThreadGroup = 'main' | 'functions' | 'v8 helpers' | 'other threads';

/** This process's threads' CPU by tid, with their group: the main thread, V8's helper threads (GC, JIT), the rest. */
export function threadCpu(): Map<number, { group: ThreadGroup; name: string; cpuMs: number }> {
  const out = new Map<number, { group: ThreadGroup; name: string; cpuMs: number }>();
  for (const entry of readdirSync('/proc/self/task')) {
    const stat = statFields(`/proc/self/task/${entry}/stat`);
    if (!stat) continue;
    const tid = Number(entry);
    // Worker threads take their Worker's name (the function's name); Node's own helpers have fixed names.
    const group: ThreadGroup =
      tid === process.pid ? 'main' : stat.name === 'V8Worker' ? 'v8 helpers' : /^(libuv-worker|node|SignalInspector|PerfettoTrace)$/.test(stat.name) ? 'other threads' : 'functions';
    out.set(tid, { group, name: stat.name, cpuMs: stat.cpuMs });
  }
  return out;
}

/** CPU per group used between two readings (a thread that started in between counts from 0). */
export function threadCpuSince(before: ReturnType<typeof threadCpu>, after = threadCpu()): Record<ThreadGroup, number> {
  const out: Record<ThreadGroup, number> = { main: 0, functions: 0, 'v8 helpers': 0, 'other threads': 0 };
  for (const [tid, thread] of after) out[thread.group] += thread.cpuMs - (before.get(tid)?.cpuMs ?? 0);
  return out;
}
