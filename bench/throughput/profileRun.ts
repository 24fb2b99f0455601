// The profiled load run, in a process of its own started with `node --cpu-prof --cpu-prof-dir=DIR --import tsx`
// (bench/throughput.ts starts it; the local Lambda runtime passes the flags on to every function's thread, so each
// thread writes its own profile). It runs the measured load of the section against the bench's DynamoDB Local and
// prints one JSON line: the measured window on the profiles' clock, the CPU each group of threads and DynamoDB
// Local used in it, and the run's figures.
import { readFileSync } from 'node:fs';
import { runLoad, type LoadMix } from '../../local/commands/load.ts';
import type { ServerlessConfig } from '../../local/stack/serverlessConfig.ts';
import { processCpuMs, threadCpu, threadCpuSince, type ThreadGroup } from './threadCpu.ts';

export interface ProfileRunRequest {
  dynamodbEndpoint: string;
  /** DynamoDB Local's pid, to read its CPU time over the window. */
  dynamodbPid: number;
  accessKeyId: string;
  configFile: string;
  /** The catalog to seed. */
  seedFile: string;
  orders: number;
  warmupOrders: number;
  concurrency: number;
  mix: LoadMix;
  /** FAULTS for the stack, if any. */
  faults?: string;
}

export interface ProfileRunReport {
  /** The measured window on the profiles' clock (µs, monotonic). */
  fromUs: number;
  toUs: number;
  orders: number;
  seconds: number;
  ordersPerSecond: number;
  violations: number;
  problems: number;
  /** CPU used in the window, ms: this process's thread groups, and DynamoDB Local. */
  cpuMs: Record<ThreadGroup, number> & { dynamodbLocal: number };
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as ProfileRunRequest;
  const config = JSON.parse(readFileSync(request.configFile, 'utf8')) as ServerlessConfig;
  const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
  let fromUs = 0;
  let toUs = 0;
  let threadsBefore = threadCpu();
  let threadsUsed: Record<ThreadGroup, number> | undefined;
  let dynamodbBefore = 0;
  let dynamodbUsed = 0;
  const result = await runLoad({
    orders: request.orders,
    warmupOrders: request.warmupOrders,
    concurrency: request.concurrency,
    mix: request.mix,
    closedLoop: true,
    retryMs: 0,
    seedFile: request.seedFile,
    ...(request.faults ? { faults: request.faults } : {}),
    stack: { config, dynamodbEndpoint: request.dynamodbEndpoint, accessKeyId: request.accessKeyId },
    onMeasuredPhase: (phase) => {
      if (phase === 'start') {
        fromUs = monotonicUs();
        threadsBefore = threadCpu();
        dynamodbBefore = processCpuMs(request.dynamodbPid);
      } else {
        toUs = monotonicUs();
        threadsUsed = threadCpuSince(threadsBefore);
        dynamodbUsed = processCpuMs(request.dynamodbPid) - dynamodbBefore;
      }
    },
  });
  const report: ProfileRunReport = {
    fromUs,
    toUs,
    orders: result.orders,
    seconds: result.seconds,
    ordersPerSecond: result.ordersPerSecond,
    violations: result.violations.length,
    problems: result.problems.length,
    cpuMs: { ...threadsUsed!, dynamodbLocal: dynamodbUsed },
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
