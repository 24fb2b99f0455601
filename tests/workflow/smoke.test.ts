import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../support/localStack.ts';

const stack = useLocalStack();

describe('the real definition on the local stack', () => {
  it('confirms an order for seeded SKUs', async () => {
    const record = stack.current.startExecution({
      customer: { id: 'c1', email: 'ana@example.com', name: 'Ana' },
      items: [{ sku: 'SKU-1', quantity: 1 }],
      payment: { token: 'tok_visa' },
    });
    const done = await stack.current.waitForExecution(record.name);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toMatchObject({ orderId: record.name, status: 'CONFIRMED' });
  });
});
