// Fault injection for tests, the local stack and load runs. Inert unless FAULTS is set:
//   FAULTS=payments:TransientError:2,inventory:ProvisionedThroughputExceededException:3,sns:InternalErrorException:always
// The named adapter throws an error with that `name` for that many calls (or always), whichever function makes
// them: on the local stack every function's calls draw on the same counts (setFaultBroker).
// Two refinements: `adapter.method` limits an entry to one method (`payments.void:TransientError:1`), and a fourth
// part `after` applies the call first and then throws (`inventory.reserve:TransientError:1:after`): the write
// went through but its reply was lost, the at-least-once window every AWS call has. And an outage, set and
// cleared at run time in the process that decides faults (startOutage/endOutage), fails every call of an adapter
// while it lasts: a dependency down for a stretch of time.

export const FAULT_ADAPTERS = ['payments', 'inventory', 'orders', 'sns'] as const;
export type FaultAdapter = (typeof FAULT_ADAPTERS)[number];

/**
 * The methods of each adapter (adapters/*.ts) a `adapter.method` entry may name, so a misspelt method is refused
 * at start-up instead of never firing. tests/unit/lib/faults.test.ts keeps this list equal to the classes'.
 */
export const FAULT_METHODS: Readonly<Record<FaultAdapter, readonly string[]>> = {
  payments: ['authorize', 'findByOrder', 'void'],
  inventory: ['getProducts', 'reserve', 'release'],
  orders: ['get', 'create', 'moveTo', 'recordAuthorization', 'recordVoid', 'claimNotice', 'markNoticeSent', 'beginCompensation', 'completeCompensationStep', 'recordRedrive'],
  sns: ['publish'],
};

export interface FaultRule {
  adapter: FaultAdapter;
  /** Only calls of this method; absent: every method of the adapter. */
  method?: string;
  errorName: string;
  remaining: number; // Infinity for "always"
  /** The call is applied first and the error thrown after it: a reply lost on its way back. */
  after: boolean;
}

/** The fault a call gets: the error to throw, and whether the call is applied first (a lost reply). */
export interface FaultDecision {
  errorName: string;
  after: boolean;
}

export class FaultConfigError extends Error {
  override readonly name = 'FaultConfigError';
}

const ERROR_NAME = /^[A-Za-z][A-Za-z0-9_.]*$/;
const EXPECTED = 'expected adapter[.method]:ErrorName:count[:after], e.g. payments:TransientError:2 or inventory.reserve:TransientError:1:after';

export function parseFaults(spec: string | undefined): FaultRule[] {
  if (!spec || !spec.trim()) return [];
  return spec.split(',').map((raw) => {
    const entry = raw.trim();
    const [target = '', errorName, count, mode, ...rest] = entry.split(':');
    const bad = (why: string) => new FaultConfigError(`FAULTS: bad entry "${entry}": ${why} (${EXPECTED})`);
    if (rest.length > 0 || count === undefined) throw bad('it needs three parts, or four ending in "after"');
    if (mode !== undefined && mode !== 'after') throw bad(`the fourth part can only be "after", got "${mode}"`);
    const [adapter, method, ...more] = target.split('.');
    if (!FAULT_ADAPTERS.includes(adapter as FaultAdapter)) throw bad(`adapter must be one of ${FAULT_ADAPTERS.join(', ')}`);
    const methods = FAULT_METHODS[adapter as FaultAdapter];
    if (more.length > 0 || (method !== undefined && !methods.includes(method))) throw bad(`the method of ${adapter} must be one of ${methods.join(', ')}`);
    if (!errorName || !ERROR_NAME.test(errorName)) throw bad('the error name must be an identifier');
    if (count !== 'always' && !/^[1-9][0-9]{0,6}$/.test(count)) throw bad('count must be a positive whole number or "always"');
    return {
      adapter: adapter as FaultAdapter,
      ...(method !== undefined ? { method } : {}),
      errorName,
      remaining: count === 'always' ? Infinity : Number(count),
      after: mode === 'after',
    };
  });
}

let rules: FaultRule[] | undefined;
let rulesSpec: string | undefined;
/** Adapters down now (startOutage), with the error their calls get. */
const outages = new Map<FaultAdapter, string>();

const zero = (): Record<FaultAdapter, number> => ({ payments: 0, inventory: 0, orders: 0, sns: 0 });
/** Adapter calls seen and faults thrown, per adapter, since the process started or the last resetFaults(). */
const counters = { calls: zero(), injected: zero() };

export function faultCounters(): { calls: Record<FaultAdapter, number>; injected: Record<FaultAdapter, number> } {
  return { calls: { ...counters.calls }, injected: { ...counters.injected } };
}

/**
 * Starts the counts of FAULTS afresh (the same spec set again would otherwise keep its spent counts), ends every
 * outage and zeroes the counters.
 */
export function resetFaults(): void {
  rules = undefined;
  rulesSpec = undefined;
  outages.clear();
  counters.calls = zero();
  counters.injected = zero();
}

function adapterOf(adapter: string): FaultAdapter {
  if (!FAULT_ADAPTERS.includes(adapter as FaultAdapter)) throw new FaultConfigError(`outage: adapter must be one of ${FAULT_ADAPTERS.join(', ')}, got "${adapter}"`);
  return adapter as FaultAdapter;
}

/**
 * Takes the adapter down: from now until endOutage, every call of it fails with `errorName` (before reaching
 * AWS), whatever FAULTS says. It acts where faults are decided: the main thread of a local stack (its worker
 * threads ask it through the broker), so call it there - the load run's `--outage` does.
 */
export function startOutage(adapter: FaultAdapter, errorName = 'TransientError'): void {
  const down = adapterOf(adapter);
  if (!ERROR_NAME.test(errorName)) throw new FaultConfigError(`outage: the error name must be an identifier, got "${errorName}"`);
  outages.set(down, errorName);
}

/** Brings the adapter back; a no-op when it was not down. */
export function endOutage(adapter: FaultAdapter): void {
  outages.delete(adapterOf(adapter));
}

/** The adapters down now, with the error their calls get. */
export function activeOutages(): Array<{ adapter: FaultAdapter; errorName: string }> {
  return [...outages].map(([adapter, errorName]) => ({ adapter, errorName }));
}

function activeRules(): FaultRule[] {
  const spec = process.env.FAULTS;
  if (rules === undefined || spec !== rulesSpec) {
    rules = parseFaults(spec);
    rulesSpec = spec;
  }
  return rules;
}

/**
 * Counts one call of this adapter (and method) and takes the fault due for it, if any: an outage first, then the
 * next FAULTS entry with calls left. The one place a fault is decided; a broker (below) brings other threads'
 * calls here.
 */
export function takeFault(adapter: FaultAdapter, method?: string): FaultDecision | undefined {
  counters.calls[adapter] += 1;
  const outage = outages.get(adapter);
  if (outage !== undefined) {
    counters.injected[adapter] += 1;
    return { errorName: outage, after: false };
  }
  const rule = activeRules().find((r) => r.adapter === adapter && (r.method === undefined || r.method === method) && r.remaining > 0);
  if (!rule) return undefined;
  rule.remaining -= 1;
  counters.injected[adapter] += 1;
  return { errorName: rule.errorName, after: rule.after };
}

/**
 * Counts calls made where nothing could be injected (no FAULTS, no outage), which were therefore not brought to
 * takeFault: the local runtime's threads then decide on their own and report their calls with their answers.
 */
export function countCalls(adapter: FaultAdapter, count: number): void {
  counters.calls[adapter] += count;
}

function faultError(adapter: FaultAdapter, fault: FaultDecision): Error {
  const error = new Error(fault.after ? `Injected fault ${fault.errorName} in ${adapter} (the call was applied; its reply was lost)` : `Injected fault ${fault.errorName} in ${adapter}`);
  error.name = fault.errorName;
  return error;
}

/**
 * Throws the next injected fault for this adapter, if one is due. For a caller that has no call to apply: an
 * `after` entry throws here too, with nothing applied. withFaults is what the adapters use.
 */
export function injectFault(adapter: FaultAdapter, method?: string): void {
  const fault = takeFault(adapter, method);
  if (fault !== undefined) throw faultError(adapter, fault);
}

/** Asks where faults are decided whether this call gets one: the fault, or undefined. */
export type FaultBroker = (adapter: FaultAdapter, method: string) => Promise<FaultDecision | undefined>;

/**
 * Kept on the thread's global object, not in this module: the local runtime loads each function from its own
 * bundle, which carries its own copy of this module, and the worker entry (another copy) sets the broker for it.
 */
const BROKER = Symbol.for('order-pipeline.faultBroker');
const brokerHolder = globalThis as { [BROKER]?: FaultBroker };

/**
 * Sends withFaults' decisions to `next` instead of taking them here (undefined: back to here). The local Lambda
 * runtime runs each function in a worker thread of its own and sets a broker there that asks the main thread, so
 * FAULTS counts and outages are shared by all functions and faultCounters()/resetFaults()/startOutage() in the
 * main thread see them all. Nothing sets one on AWS.
 */
export function setFaultBroker(next: FaultBroker | undefined): void {
  if (next) brokerHolder[BROKER] = next;
  else delete brokerHolder[BROKER];
}

/**
 * Wraps every method of an adapter so each call may throw an injected fault: before the call (it never reaches
 * AWS), or, for an `after` entry, once the call has been applied (its result, or its own error, is dropped).
 */
export function withFaults<T extends object>(adapter: FaultAdapter, target: T): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      const method = String(prop);
      // Adapter methods are async: the fault arrives as a rejected promise, as a real failure would.
      return async (...args: unknown[]) => {
        const broker = brokerHolder[BROKER];
        const fault = broker ? await broker(adapter, method) : takeFault(adapter, method);
        if (fault === undefined) return value.apply(obj, args);
        if (fault.after) {
          // Applied; whatever it answered is lost on the way back.
          await Promise.resolve(value.apply(obj, args)).catch(() => undefined);
        }
        throw faultError(adapter, fault);
      };
    },
  });
}
