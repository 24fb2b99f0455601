import { afterEach, describe, expect, it } from 'vitest';
import { config, requiredEnv } from '../../../lib/config.ts';

const saved = process.env.ORDERS_TABLE;
afterEach(() => {
  process.env.ORDERS_TABLE = saved;
});

describe('config', () => {
  it('reads each setting from the environment serverless.yml sets', () => {
    expect(config.ordersTable).toBe(process.env.ORDERS_TABLE);
    expect(config.inventoryTable).toBe(process.env.INVENTORY_TABLE);
    expect(config.paymentsTable).toBe(process.env.PAYMENTS_TABLE);
    expect(config.notificationsTopicArn).toBe(process.env.NOTIFICATIONS_TOPIC_ARN);
    expect(config.stateMachineArn).toBe(process.env.STATE_MACHINE_ARN);
  });

  it('reads the environment when asked, not at import', () => {
    process.env.ORDERS_TABLE = 'orders-other';
    expect(config.ordersTable).toBe('orders-other');
  });

  it.each([undefined, ''])('names a missing variable (%j)', (value) => {
    if (value === undefined) delete process.env.ORDERS_TABLE;
    else process.env.ORDERS_TABLE = value;
    expect(() => config.ordersTable).toThrow('Missing environment variable ORDERS_TABLE');
    expect(() => requiredEnv('NO_SUCH_VARIABLE_X')).toThrow('NO_SUCH_VARIABLE_X');
  });
});
