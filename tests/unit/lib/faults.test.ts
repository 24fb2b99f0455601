import { afterEach, describe, expect, it, vi } from 'vitest';
import { InventoryRepository } from '../../../adapters/InventoryRepository.ts';
import { OrderRepository } from '../../../adapters/OrderRepository.ts';
import { SimulatedPaymentGateway } from '../../../adapters/SimulatedPaymentGateway.ts';
import { SnsNotifier } from '../../../adapters/SnsNotifier.ts';
import { FAULT_METHODS, FaultConfigError, parseFaults } from '../../../lib/faults.ts';

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
      { adapter: 'payments', errorName: 'TransientError', remaining: 2, after: false },
      { adapter: 'inventory', errorName: 'ProvisionedThroughputExceededException', remaining: 3, after: false },
      { adapter: 'sns', errorName: 'InternalErrorException', remaining: Infinity, after: false },
      { adapter: 'orders', errorName: 'Lambda.ServiceException', remaining: 1, after: false },
    ]);
  });

  it('reads a method and the "after" mode (a lost reply)', () => {
    expect(parseFaults('inventory:TransientError:1:after,payments.void:TransientError:2,orders.markNoticeSent:ThrottlingException:always:after')).toEqual([
      { adapter: 'inventory', errorName: 'TransientError', remaining: 1, after: true },
      { adapter: 'payments', method: 'void', errorName: 'TransientError', remaining: 2, after: false },
      { adapter: 'orders', method: 'markNoticeSent', errorName: 'ThrottlingException', remaining: Infinity, after: true },
    ]);
  });

  it.each([
    ['payments:TransientError', 'it needs three parts, or four ending in "after"'],
    ['payments', 'it needs three parts, or four ending in "after"'],
    ['payments:TransientError:2:after:x', 'it needs three parts, or four ending in "after"'],
    ['payments:TransientError:2:extra', 'the fourth part can only be "after", got "extra"'],
    ['payments:TransientError:2:AFTER', 'the fourth part can only be "after", got "AFTER"'],
    ['payments:TransientError:2:', 'the fourth part can only be "after", got ""'],
    ['payments:TransientError:after', 'count must be a positive whole number'],
    ['payments.refund:TransientError:1', 'the method of payments must be one of authorize, findByOrder, void'],
    ['inventory.reserve.x:TransientError:1', 'the method of inventory must be one of getProducts, reserve, release'],
    ['sns.:TransientError:1', 'the method of sns must be one of publish'],
    ['.publish:TransientError:1', 'adapter must be one of'],
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

describe('takeFault and a fault broker (how the local runtime shares FAULTS between its worker threads)', () => {
  it('takeFault counts the call and takes the next fault due, as injectFault does without throwing', async () => {
    const { takeFault, faultCounters } = await faultsWith('orders:ThrottlingException:2');
    const before = { errorName: 'ThrottlingException', after: false };
    expect([takeFault('orders'), takeFault('orders'), takeFault('orders'), takeFault('sns')]).toEqual([before, before, undefined, undefined]);
    expect(faultCounters()).toMatchObject({ calls: { orders: 3, sns: 1 }, injected: { orders: 2, sns: 0 } });
  });

  it('with a broker set, every call asks it (not FAULTS here) and throws the error it names', async () => {
    const fresh = await faultsWith('payments:TransientError:always');
    const asked: string[] = [];
    const answers = [{ errorName: 'ThrottlingException', after: false }, undefined];
    fresh.setFaultBroker(async (adapter, method) => {
      asked.push(`${adapter}.${method}`);
      return answers.shift();
    });
    const target = new Adapter();
    const wrapped = fresh.withFaults('inventory', target);
    expect(await outcomes(() => wrapped.work(1), 2)).toEqual(['error:ThrottlingException', 'ok:2']);
    expect(asked).toEqual(['inventory.work', 'inventory.work']);
    expect(target.calls).toBe(1);
    // The broker's side counts; this module's FAULTS and counters are not used.
    expect(fresh.faultCounters().calls.inventory).toBe(0);
    fresh.setFaultBroker(undefined);
    expect(await outcomes(() => fresh.withFaults('payments', new Adapter()).work(1), 1)).toEqual(['error:TransientError']);
  });

  it('a broker that fails fails the call', async () => {
    const fresh = await faultsWith(undefined);
    fresh.setFaultBroker(async () => {
      throw new fresh.FaultConfigError('FAULTS: bad entry "x"');
    });
    try {
      await expect(fresh.withFaults('sns', new Adapter()).work(1)).rejects.toThrow('FAULTS: bad entry "x"');
    } finally {
      // The broker is the thread's, shared by every copy of lib/faults.ts (the local runtime's bundles each have one).
      fresh.setFaultBroker(undefined);
    }
  });

  it('is one per thread: a broker set through one copy of the module is used by another copy', async () => {
    const setter = await faultsWith(undefined);
    const user = await faultsWith(undefined);
    expect(user).not.toBe(setter);
    setter.setFaultBroker(async () => ({ errorName: 'TransientError', after: false }));
    try {
      await expect(user.withFaults('orders', new Adapter()).work(1)).rejects.toMatchObject({ name: 'TransientError' });
    } finally {
      setter.setFaultBroker(undefined);
    }
    await expect(user.withFaults('orders', new Adapter()).work(1)).resolves.toBeDefined();
  });
});

describe('"after": the call is applied, then its reply is lost', () => {
  it('applies the call and then throws the named error, for that many calls', async () => {
    const { withFaults } = await faultsWith('inventory:TransientError:2:after');
    const target = new Adapter();
    const wrapped = withFaults('inventory', target);
    expect(await outcomes(() => wrapped.work(1), 3)).toEqual(['error:TransientError', 'error:TransientError', 'ok:2']);
    expect(target.calls).toBe(3); // every call reached the adapter, the two failed ones included
  });

  it('says in the message that the call was applied', async () => {
    const { withFaults } = await faultsWith('payments:TransientError:1:after');
    await expect(withFaults('payments', new Adapter()).work(1)).rejects.toThrow('Injected fault TransientError in payments (the call was applied; its reply was lost)');
  });

  it("drops the adapter's own error too: the caller sees the injected one", async () => {
    const { withFaults } = await faultsWith('sns:InternalErrorException:1:after');
    let attempts = 0;
    const failing = {
      async publish(): Promise<string> {
        attempts += 1;
        throw new Error('the real call failed');
      },
    };
    await expect(withFaults('sns', failing).publish()).rejects.toMatchObject({ name: 'InternalErrorException' });
    expect(attempts).toBe(1);
  });

  it('carries "after" through a broker', async () => {
    const fresh = await faultsWith(undefined);
    fresh.setFaultBroker(async () => ({ errorName: 'TransientError', after: true }));
    const target = new Adapter();
    await expect(fresh.withFaults('orders', target).work(1)).rejects.toMatchObject({ name: 'TransientError' });
    expect(target.calls).toBe(1);
    fresh.setFaultBroker(undefined);
  });
});

describe('adapter.method: an entry for one method only', () => {
  class Gateway {
    readonly log: string[] = [];
    async findByOrder(): Promise<string> {
      this.log.push('findByOrder');
      return 'auth_1';
    }
    async void(): Promise<string> {
      this.log.push('void');
      return 'VOIDED';
    }
  }

  it('leaves the other methods alone and counts only its own calls', async () => {
    const { withFaults, faultCounters } = await faultsWith('payments.void:TransientError:1:after');
    const target = new Gateway();
    const wrapped = withFaults('payments', target);
    expect(await outcomes(() => wrapped.findByOrder(), 2)).toEqual(['ok:auth_1', 'ok:auth_1']);
    expect(await outcomes(() => wrapped.void(), 2)).toEqual(['error:TransientError', 'ok:VOIDED']);
    expect(target.log).toEqual(['findByOrder', 'findByOrder', 'void', 'void']);
    expect(faultCounters()).toMatchObject({ calls: { payments: 4 }, injected: { payments: 1 } });
  });

  it('names only methods the adapters have (the list follows the classes)', () => {
    const methodsOf = (cls: { prototype: object }) => Object.getOwnPropertyNames(cls.prototype).filter((name) => name !== 'constructor' && !['isReserved'].includes(name));
    expect([...FAULT_METHODS.payments].sort()).toEqual(methodsOf(SimulatedPaymentGateway).sort());
    expect([...FAULT_METHODS.inventory].sort()).toEqual(methodsOf(InventoryRepository).sort());
    expect([...FAULT_METHODS.orders].sort()).toEqual(methodsOf(OrderRepository).sort());
    expect([...FAULT_METHODS.sns].sort()).toEqual(methodsOf(SnsNotifier).sort());
  });
});

describe('outages: an adapter down from startOutage until endOutage', () => {
  it('fails every call of that adapter while it lasts, before FAULTS, and lets them through after', async () => {
    const { withFaults, startOutage, endOutage, activeOutages, faultCounters } = await faultsWith('payments:OutOfStock:1');
    const target = new Adapter();
    const payments = withFaults('payments', target);
    const sns = withFaults('sns', new Adapter());
    startOutage('payments');
    expect(activeOutages()).toEqual([{ adapter: 'payments', errorName: 'TransientError' }]);
    expect(await outcomes(() => payments.work(1), 3)).toEqual(Array(3).fill('error:TransientError'));
    expect(await outcomes(() => sns.work(1), 1)).toEqual(['ok:2']);
    expect(target.calls).toBe(0); // nothing reached the adapter
    endOutage('payments');
    expect(activeOutages()).toEqual([]);
    // The FAULTS entry was not spent during the outage.
    expect(await outcomes(() => payments.work(1), 2)).toEqual(['error:OutOfStock', 'ok:2']);
    expect(faultCounters()).toMatchObject({ calls: { payments: 5, sns: 1 }, injected: { payments: 4, sns: 0 } });
  });

  it('takes the error name given, and resetFaults ends every outage', async () => {
    const { withFaults, startOutage, resetFaults } = await faultsWith(undefined);
    const wrapped = withFaults('inventory', new Adapter());
    startOutage('inventory', 'ProvisionedThroughputExceededException');
    expect(await outcomes(() => wrapped.work(1), 1)).toEqual(['error:ProvisionedThroughputExceededException']);
    resetFaults();
    expect(await outcomes(() => wrapped.work(1), 1)).toEqual(['ok:2']);
  });

  it('is decided where faults are decided: a broker asking takeFault sees it', async () => {
    const fresh = await faultsWith(undefined);
    fresh.startOutage('orders');
    expect(fresh.takeFault('orders', 'get')).toEqual({ errorName: 'TransientError', after: false });
    fresh.endOutage('orders');
    expect(fresh.takeFault('orders', 'get')).toBeUndefined();
  });

  it('refuses an unknown adapter or a bad error name, saying which', async () => {
    const fresh = await faultsWith(undefined);
    const { startOutage, endOutage } = fresh;
    expect(() => startOutage('bank' as never)).toThrow('outage: adapter must be one of payments, inventory, orders, sns, got "bank"');
    expect(() => endOutage('bank' as never)).toThrow(fresh.FaultConfigError);
    expect(() => startOutage('sns', 'not a name')).toThrow('outage: the error name must be an identifier, got "not a name"');
  });
});
