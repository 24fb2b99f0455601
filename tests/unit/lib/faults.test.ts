import { afterEach, describe, expect, it, vi } from 'vitest';
import { FaultConfigError, parseFaults } from '../../../lib/faults.ts';

/** A fresh copy of lib/faults.ts (its rules are module state) with FAULTS set. */
async function faultsWith(spec: string | undefined) {
  if (spec === undefined) delete process.env.FAULTS;
  else process.env.FAULTS = spec;
  vi.resetModules();
  return import('../../../lib/faults.ts');
}

class Adapter {
  calls = 0;
  readonly label = 'adapter';
  async work(value: number): Promise<number> {
    this.calls += 1;
    return value * 2;
  }
}

async function outcomes(call: () => Promise<unknown>, times: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < times; i++) {
    try {
      seen.push(`ok:${String(await call())}`);
    } catch (error) {
      seen.push(`error:${(error as Error).name}`);
    }
  }
  return seen;
}

afterEach(() => {
  delete process.env.FAULTS;
});

describe('parseFaults', () => {
  it('is inert when unset or blank', () => {
    expect(parseFaults(undefined)).toEqual([]);
    expect(parseFaults('')).toEqual([]);
    expect(parseFaults('   ')).toEqual([]);
  });

  it('reads every entry of a valid spec', () => {
    expect(
      parseFaults('payments:TransientError:2, inventory:ProvisionedThroughputExceededException:3,sns:InternalErrorException:always,orders:Lambda.ServiceException:1'),
    ).toEqual([
      { adapter: 'payments', errorName: 'TransientError', remaining: 2 },
      { adapter: 'inventory', errorName: 'ProvisionedThroughputExceededException', remaining: 3 },
      { adapter: 'sns', errorName: 'InternalErrorException', remaining: Infinity },
      { adapter: 'orders', errorName: 'Lambda.ServiceException', remaining: 1 },
    ]);
  });

  it.each([
    ['payments:TransientError', 'it needs exactly three parts'],
    ['payments', 'it needs exactly three parts'],
    ['payments:TransientError:2:extra', 'it needs exactly three parts'],
    ['bank:TransientError:2', 'adapter must be one of payments, inventory, orders, sns'],
    ['PAYMENTS:TransientError:2', 'adapter must be one of'],
    ['payments::2', 'the error name must be an identifier'],
    ['payments:1Error:2', 'the error name must be an identifier'],
    ['payments:Transient Error:2', 'the error name must be an identifier'],
    ['payments:TransientError:0', 'count must be a positive whole number or "always"'],
    ['payments:TransientError:-1', 'count must be a positive whole number'],
    ['payments:TransientError:1.5', 'count must be a positive whole number'],
    ['payments:TransientError:two', 'count must be a positive whole number'],
    ['payments:TransientError:', 'count must be a positive whole number'],
    ['payments:TransientError:12345678', 'count must be a positive whole number'],
    ['payments:TransientError:ALWAYS', 'count must be a positive whole number'],
  ])('rejects "%s", naming the entry and why (%s)', (entry, why) => {
    const spec = `sns:InternalErrorException:1,${entry}`;
    expect(() => parseFaults(spec)).toThrow(FaultConfigError);
    expect(() => parseFaults(spec)).toThrow(`FAULTS: bad entry "${entry}": ${why}`);
  });

  it('names an empty entry left by a trailing comma', () => {
    expect(() => parseFaults('payments:TransientError:1,')).toThrow('FAULTS: bad entry ""');
  });
});

describe('withFaults', () => {
  it('passes calls and properties through unchanged when FAULTS is unset', async () => {
    const { withFaults } = await faultsWith(undefined);
    const target = new Adapter();
    const wrapped = withFaults('payments', target);
    expect(await wrapped.work(21)).toBe(42);
    expect(wrapped.label).toBe('adapter');
    expect(target.calls).toBe(1);
  });

  it('fails the first two calls with the named error, then calls the real adapter', async () => {
    const { withFaults } = await faultsWith('payments:TransientError:2');
    const target = new Adapter();
    const wrapped = withFaults('payments', target);
    expect(await outcomes(() => wrapped.work(1), 4)).toEqual(['error:TransientError', 'error:TransientError', 'ok:2', 'ok:2']);
    expect(target.calls).toBe(2); // the failed calls never reached the adapter
  });

  it('fails every call with "always"', async () => {
    const { withFaults } = await faultsWith('sns:InternalErrorException:always');
    const wrapped = withFaults('sns', new Adapter());
    expect(await outcomes(() => wrapped.work(1), 5)).toEqual(Array(5).fill('error:InternalErrorException'));
  });

  it('delivers the fault as a rejected promise with a message naming the adapter', async () => {
    const { withFaults } = await faultsWith('inventory:ProvisionedThroughputExceededException:1');
    const promise = withFaults('inventory', new Adapter()).work(1);
    expect(promise).toBeInstanceOf(Promise);
    await expect(promise).rejects.toThrow('Injected fault ProvisionedThroughputExceededException in inventory');
  });

  it('only affects the adapter it names, and counts each adapter separately', async () => {
    const { withFaults } = await faultsWith('payments:TransientError:1,orders:ThrottlingException:1');
    const payments = withFaults('payments', new Adapter());
    const orders = withFaults('orders', new Adapter());
    const sns = withFaults('sns', new Adapter());
    expect(await outcomes(() => sns.work(1), 1)).toEqual(['ok:2']);
    expect(await outcomes(() => payments.work(1), 2)).toEqual(['error:TransientError', 'ok:2']);
    expect(await outcomes(() => orders.work(1), 2)).toEqual(['error:ThrottlingException', 'ok:2']);
  });

  it('shares the count across wrapped instances of one adapter (as in one Lambda container)', async () => {
    const { withFaults } = await faultsWith('payments:TransientError:1');
    const first = withFaults('payments', new Adapter());
    const second = withFaults('payments', new Adapter());
    expect(await outcomes(() => first.work(1), 1)).toEqual(['error:TransientError']);
    expect(await outcomes(() => second.work(1), 1)).toEqual(['ok:2']);
  });

  it('rereads FAULTS when it changes', async () => {
    const { withFaults } = await faultsWith('payments:TransientError:1');
    const wrapped = withFaults('payments', new Adapter());
    expect(await outcomes(() => wrapped.work(1), 1)).toEqual(['error:TransientError']);
    process.env.FAULTS = 'payments:OutOfStock:1';
    expect(await outcomes(() => wrapped.work(1), 2)).toEqual(['error:OutOfStock', 'ok:2']);
  });

  it('fails the call, not the import, when FAULTS is malformed', async () => {
    const fresh = await faultsWith('payments:oops');
    const wrapped = fresh.withFaults('payments', new Adapter());
    await expect(wrapped.work(1)).rejects.toBeInstanceOf(fresh.FaultConfigError);
  });
});
