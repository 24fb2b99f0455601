// One instance of one function (what Lambda calls an execution environment), run by the local Lambda runtime
// (lambdaRuntime.ts) as a worker thread: the function's own environment, its own copy of every module (so its own
// logger, clients and module state), the handler imported once (its Init phase, the cold start), then one message
// per invocation. FAULTS are decided by the main thread, so their counts hold across all functions; while nothing
// can be injected (no FAULTS, no outage: the main thread says so with each invocation) this thread lets adapter
// calls through without asking, and reports how many it made with the invocation's answer.
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { FaultConfigError, setFaultBroker, type FaultAdapter, type FaultDecision } from '../../lib/faults.ts';
import { contextFrom, toLambdaError } from './lambdaRuntime.ts';

export interface WorkerData {
  /** The handler's module file. */
  file: string;
  /** The handler's export in it. */
  exportName: string;
  /** Whether a fault may be due (FAULTS set, or an outage): adapter calls then ask the main thread. */
  faultsArmed: boolean;
}

/** Adapter calls made without asking the main thread, per adapter, since the last answer. */
export type CallCounts = Partial<Record<FaultAdapter, number>>;

/** A Lambda context without its functions: `deadline` (epoch ms) gives getRemainingTimeInMillis. */
export interface InvocationContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  deadline: number;
}

/** Lambda's error payload. */
export interface ErrorPayload {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export type ToWorker =
  | { type: 'invoke'; id: number; event: string; context: InvocationContext; faultsArmed: boolean }
  | { type: 'faults-armed'; faultsArmed: boolean }
  | { type: 'fault'; id: number; fault: FaultDecision | undefined }
  | { type: 'fault'; id: number; configError: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-failed'; message: string }
  | { type: 'result'; id: number; payload: string; calls?: CallCounts }
  | { type: 'error'; id: number; error: ErrorPayload; calls?: CallCounts }
  | { type: 'crashed'; error: ErrorPayload; calls?: CallCounts }
  | { type: 'fault'; id: number; adapter: FaultAdapter; method: string };

type Handler = (event: unknown, context: Context) => Promise<unknown>;

if (!parentPort) throw new Error('local/engine/lambdaWorker.ts runs as a worker thread of the local Lambda runtime (lambdaRuntime.ts)');
const port = parentPort;
const { file, exportName, faultsArmed: armedAtStart } = workerData as WorkerData;
const post = (message: FromWorker) => port.postMessage(message);
let faultsArmed = armedAtStart;
let uncounted: CallCounts = {};
/** The calls made since the last answer, handed over with it (undefined: none). */
function takeCallCounts(): CallCounts | undefined {
  const counts = uncounted;
  uncounted = {};
  return Object.keys(counts).length > 0 ? counts : undefined;
}

function payloadOf(error: unknown): ErrorPayload {
  const { errorType, errorMessage, trace } = toLambdaError(error);
  return { errorType, errorMessage, trace };
}

const faultAnswers = new Map<number, { answer: (fault: FaultDecision | undefined) => void; fail: (error: Error) => void }>();
let nextFaultQuestion = 0;
const NO_FAULT: Promise<FaultDecision | undefined> = Promise.resolve(undefined);
setFaultBroker((adapter, method) => {
  if (!faultsArmed) {
    uncounted[adapter] = (uncounted[adapter] ?? 0) + 1;
    return NO_FAULT;
  }
  return new Promise((answer, fail) => {
    const id = nextFaultQuestion++;
    faultAnswers.set(id, { answer, fail });
    post({ type: 'fault', id, adapter, method });
  });
});

// As the Node.js runtime reacts (aws-lambda-nodejs-runtime-interface-client, src/index.ts and src/Errors): an
// uncaught exception fails the invocation with that error, an unhandled rejection as
// Runtime.UnhandledPromiseRejection, and the runtime ends (the main thread ends this worker).
process.on('uncaughtException', (error) => post({ type: 'crashed', error: payloadOf(error), ...callsOf() }));
process.on('unhandledRejection', (reason) =>
  post({ type: 'crashed', error: { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: String(reason), trace: [] }, ...callsOf() }),
);

function callsOf(): { calls?: CallCounts } {
  const calls = takeCallCounts();
  return calls ? { calls } : {};
}

let handler: Handler | undefined;

async function invoke(id: number, event: string, context: InvocationContext): Promise<void> {
  try {
    const result = await handler!(JSON.parse(event), contextFrom(context));
    // JSON.stringify gives undefined for undefined (and functions): Lambda answers null.
    post({ type: 'result', id, payload: JSON.stringify(result) ?? 'null', ...callsOf() });
  } catch (error) {
    post({ type: 'error', id, error: payloadOf(error), ...callsOf() });
  }
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'fault') {
    const question = faultAnswers.get(message.id);
    faultAnswers.delete(message.id);
    // A malformed FAULTS fails the adapter call, as it does in one process.
    if ('configError' in message) question?.fail(new FaultConfigError(message.configError));
    else question?.answer(message.fault);
    return;
  }
  faultsArmed = message.faultsArmed;
  if (message.type === 'faults-armed') return;
  void invoke(message.id, message.event, message.context);
});

try {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const exported = mod[exportName];
  if (typeof exported !== 'function') throw new Error(`${file} has no exported function "${exportName}"`);
  handler = exported as Handler;
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'init-failed', message: error instanceof Error ? error.message : String(error) });
}
