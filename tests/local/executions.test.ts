import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../local/engine/executionHistory.ts';
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

describe('ExecutionRegistry with --persist (executions.json)', () => {
  const dirs: string[] = [];
  const fileIn = () => {
    const dir = mkdtempSync(join(tmpdir(), 'executions-'));
    dirs.push(dir);
    return join(dir, 'executions.json');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const history: HistoryEvent[] = [
    { id: 1, previousEventId: 0, timestamp: '2026-11-24T12:00:00.000Z', type: 'ExecutionStarted', executionStartedEventDetails: { input: '{}', inputDetails: { truncated: false }, roleArn: 'r' } },
    { id: 2, previousEventId: 0, timestamp: '2026-11-24T12:00:00.001Z', type: 'PassStateEntered', stateEnteredEventDetails: { name: 'A', input: '{}', inputDetails: { truncated: false } } },
  ];

  it('keeps finished executions with their history and the stopDate they were given', () => {
    const file = fileIn();
    const registry = new ExecutionRegistry(ARN, file);
    const { record } = registry.begin('o-1', '{}');
    record.history = history;
    const stopDate = new Date('2026-11-24T12:00:01.000Z');
    registry.finish('o-1', { status: 'ABORTED', error: 'Manual', stopDate });
    registry.begin('o-2', '{}');
    const loaded = new ExecutionRegistry(ARN, file);
    expect(loaded.list().map((r) => r.name)).toEqual(['o-1']);
    expect(loaded.get('o-1')).toMatchObject({ status: 'ABORTED', error: 'Manual', stopDate, history });
    expect(loaded.get('o-1')!.startDate).toEqual(record.startDate);
  });

  it('loads a file written with the old history format, keeping the executions without their history', () => {
    const file = fileIn();
    const old = {
      executionArn: `${ARN.replace(':stateMachine:', ':execution:')}:o-old`,
      stateMachineArn: ARN,
      name: 'o-old',
      status: 'SUCCEEDED',
      input: '{}',
      output: '{"status":"CONFIRMED"}',
      startDate: '2026-11-24T12:00:00.000Z',
      stopDate: '2026-11-24T12:00:01.000Z',
      history: [
        { type: 'ExecutionStarted', at: '2026-11-24T12:00:00.000Z', input: {} },
        { type: 'StateEntered', state: 'ReceiveOrder', stateType: 'Task', at: '2026-11-24T12:00:00.001Z', input: {} },
      ],
    };
    writeFileSync(file, JSON.stringify([old]));
    const registry = new ExecutionRegistry(ARN, file);
    expect(registry.get('o-old')).toMatchObject({ status: 'SUCCEEDED', output: '{"status":"CONFIRMED"}', history: [] });
    expect(() => registry.begin('o-old', '{}')).toThrow(expect.objectContaining({ name: 'ExecutionAlreadyExists' }));
    registry.save();
    expect(JSON.parse(readFileSync(file, 'utf8'))[0].history).toEqual([]);
  });

  it('refuses a file that is not a list of executions, naming it', () => {
    const file = fileIn();
    writeFileSync(file, '{"executions":[]}');
    expect(() => new ExecutionRegistry(ARN, file)).toThrow(`cannot read executions ${file}: not a list of executions`);
    writeFileSync(file, '[{"status":"SUCCEEDED"}]');
    expect(() => new ExecutionRegistry(ARN, file)).toThrow(/entry 1 has no name/);
  });
});
