import { describe, expect, it } from 'vitest';
import { ExecutionRegistry, StepFunctionsError, validateExecutionName } from '../../local/engine/executions.ts';

const ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:shop-local';

describe('ExecutionRegistry: a name is used once', () => {
  it('returns the RUNNING execution for the same name and input', () => {
    const registry = new ExecutionRegistry(ARN);
    const first = registry.begin('o-1', '{"a":1}');
    const again = registry.begin('o-1', '{"a":1}');
    expect(first.isNew).toBe(true);
    expect(again).toEqual({ record: first.record, isNew: false });
    expect(first.record.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:shop-local:o-1');
  });

  it('refuses a different input, or any input once the execution stopped', () => {
    const registry = new ExecutionRegistry(ARN);
    registry.begin('o-1', '{"a":1}');
    expect(() => registry.begin('o-1', '{"a":2}')).toThrow(expect.objectContaining({ name: 'ExecutionAlreadyExists' }));
    registry.finish('o-1', { status: 'SUCCEEDED', output: '{}' });
    expect(() => registry.begin('o-1', '{"a":1}')).toThrow(StepFunctionsError);
  });

  it('resolves waiters when the execution stops, and finds executions by ARN', async () => {
    const registry = new ExecutionRegistry(ARN);
    const { record } = registry.begin('o-2', '{}');
    const waiting = registry.waitFor('o-2');
    registry.finish('o-2', { status: 'FAILED', error: 'OrderFailed', cause: 'x' });
    await expect(waiting).resolves.toMatchObject({ status: 'FAILED', error: 'OrderFailed', cause: 'x' });
    expect(record.stopDate).toBeInstanceOf(Date);
    expect(registry.getByArn(record.executionArn)).toBe(record);
    await expect(registry.waitFor('nope')).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('validates names as Step Functions does', () => {
    expect(() => validateExecutionName('order-1_A')).not.toThrow();
    for (const bad of ['', 'a'.repeat(81), 'has space', 'a/b', 'a:b', 'a*b']) {
      expect(() => validateExecutionName(bad)).toThrow(expect.objectContaining({ name: 'InvalidName' }));
    }
  });
});
