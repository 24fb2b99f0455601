// Fault injection for tests, the local stack and load runs. Inert unless FAULTS is set:
//   FAULTS=payments:TransientError:2,inventory:ProvisionedThroughputExceededException:3,sns:InternalErrorException:always
// The named adapter throws an error with that `name` for that many calls (or always).

export const FAULT_ADAPTERS = ['payments', 'inventory', 'orders', 'sns'] as const;
export type FaultAdapter = (typeof FAULT_ADAPTERS)[number];

export interface FaultRule {
  adapter: FaultAdapter;
  errorName: string;
  remaining: number; // Infinity for "always"
}

export class FaultConfigError extends Error {
  override readonly name = 'FaultConfigError';
}

export function parseFaults(spec: string | undefined): FaultRule[] {
  if (!spec || !spec.trim()) return [];
  return spec.split(',').map((raw) => {
    const entry = raw.trim();
    const [adapter, errorName, count, ...rest] = entry.split(':');
    const bad = (why: string) =>
      new FaultConfigError(`FAULTS: bad entry "${entry}": ${why} (expected adapter:ErrorName:count, e.g. payments:TransientError:2)`);
    if (rest.length > 0 || count === undefined) throw bad('it needs exactly three parts');
    if (!FAULT_ADAPTERS.includes(adapter as FaultAdapter)) throw bad(`adapter must be one of ${FAULT_ADAPTERS.join(', ')}`);
    if (!errorName || !/^[A-Za-z][A-Za-z0-9_.]*$/.test(errorName)) throw bad('the error name must be an identifier');
    if (count !== 'always' && !/^[1-9][0-9]{0,6}$/.test(count)) throw bad('count must be a positive whole number or "always"');
    return { adapter: adapter as FaultAdapter, errorName, remaining: count === 'always' ? Infinity : Number(count) };
  });
}

let rules: FaultRule[] | undefined;
let rulesSpec: string | undefined;

const zero = (): Record<FaultAdapter, number> => ({ payments: 0, inventory: 0, orders: 0, sns: 0 });
/** Adapter calls seen and faults thrown, per adapter, since the process started or the last resetFaults(). */
const counters = { calls: zero(), injected: zero() };

export function faultCounters(): { calls: Record<FaultAdapter, number>; injected: Record<FaultAdapter, number> } {
  return { calls: { ...counters.calls }, injected: { ...counters.injected } };
}

/** Starts the counts of FAULTS afresh (the same spec set again would otherwise keep its spent counts) and zeroes the counters. */
export function resetFaults(): void {
  rules = undefined;
  rulesSpec = undefined;
  counters.calls = zero();
  counters.injected = zero();
}

function activeRules(): FaultRule[] {
  const spec = process.env.FAULTS;
  if (rules === undefined || spec !== rulesSpec) {
    rules = parseFaults(spec);
    rulesSpec = spec;
  }
  return rules;
}

/** Throws the next injected fault for this adapter, if one is due. Call at the start of every adapter call. */
export function injectFault(adapter: FaultAdapter): void {
  counters.calls[adapter] += 1;
  const rule = activeRules().find((r) => r.adapter === adapter && r.remaining > 0);
  if (!rule) return;
  rule.remaining -= 1;
  counters.injected[adapter] += 1;
  const error = new Error(`Injected fault ${rule.errorName} in ${adapter}`);
  error.name = rule.errorName;
  throw error;
}

/** Wraps every method of an adapter so each call may throw an injected fault first. */
export function withFaults<T extends object>(adapter: FaultAdapter, target: T): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function') return value;
      // Adapter methods are async: the fault arrives as a rejected promise, as a real failure would.
      return async (...args: unknown[]) => {
        injectFault(adapter);
        return value.apply(obj, args);
      };
    },
  });
}
