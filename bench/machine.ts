// The machine a bench ran on, for the head of BENCHMARKS.md: absolute times only mean something beside it.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { findJava } from '../local/stack/dynamodbLocal.ts';

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  java: string;
  /** The 1-minute load average when the bench started: above the core count, other work shared the machine. */
  loadAtStart: number;
}

export function machineFacts(): MachineFacts {
  const cpuList = cpus();
  let java = 'not found';
  const javaBin = findJava();
  if (javaBin) {
    // `java -version` writes to stderr; its first line names the version.
    const ran = spawnSync(javaBin, ['-version'], { encoding: 'utf8' });
    java = `${ran.stderr}${ran.stdout}`.split('\n')[0] || java;
  }
  return {
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    java: java.trim(),
    loadAtStart: Math.round(loadavg()[0]! * 100) / 100,
  };
}
