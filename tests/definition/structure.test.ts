// Static checks of the workflow's shape: valid ASL, every state reachable and able to finish, the short confirmed
// path, timeouts on every Task, and the one Fail state.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  isTerminal,
  loadDefinition,
  referencedLogicalId,
  successors,
  tasks,
  withPlaceholders,
  type StateMachineDefinition,
} from './definition.ts';

interface AslValidation {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}
// asl-validator ships no type declarations.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => AslValidation;

const definition = loadDefinition('prod');
const states = definition.States;

function reachableFrom(start: string, machine: StateMachineDefinition): Set<string> {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name) || !machine.States[name]) continue;
    seen.add(name);
    queue.push(...successors(machine.States[name]));
  }
  return seen;
}

describe('workflow definition: structure', () => {
  it('is read with its CloudFormation references intact and the stage substituted', () => {
    expect(referencedLogicalId(states.ReceiveOrder?.Parameters?.FunctionName)).toBe('ReceiveOrderLambdaFunction');
    expect(states.ValidatePayment?.Parameters?.Stage).toBe('prod');
    expect(JSON.stringify(definition)).not.toContain('${sls:');
  });

  it('passes asl-validator (ARN and path checks on, intrinsics replaced by placeholders)', () => {
    const result = aslValidator(structuredClone(withPlaceholders(definition)), { checkArn: true, checkPaths: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('asl-validator would catch a broken transition (the check above can fail)', () => {
    const broken = structuredClone(withPlaceholders(definition));
    broken.States.ValidatePayment!.Next = 'NoSuchState';
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it('uses JSONPath only (the local engine does not run JSONata) and no nested state machines', () => {
    // The reachability and error checks below walk the top level only; a Map or Parallel would need them extended.
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    for (const [name, state] of Object.entries(states)) {
      expect(state.QueryLanguage ?? 'JSONPath', name).toBe('JSONPath');
      expect(['Map', 'Parallel'], name).not.toContain(state.Type);
    }
  });

  it('reaches every state from StartAt', () => {
    const reachable = reachableFrom(definition.StartAt, definition);
    const unreachable = Object.keys(states).filter((name) => !reachable.has(name));
    expect(unreachable).toEqual([]);
  });

  it('can finish from every state: each one has a path to an End, Succeed or Fail state', () => {
    const stuck = Object.keys(states).filter((name) => {
      const reachable = reachableFrom(name, definition);
      return ![...reachable].some((other) => isTerminal(states[other]!));
    });
    expect(stuck).toEqual([]);
    // ...and every non-terminal state does lead somewhere.
    for (const [name, state] of Object.entries(states)) {
      if (!isTerminal(state)) expect(successors(state).length, name).toBeGreaterThan(0);
    }
  });

  it('confirms an order in four states: ReceiveOrder -> ValidatePayment -> UpdateStock -> SendConfirmation', () => {
    // Each state transition of a Standard workflow is billed: walk the success path (Next only) from StartAt.
    const path: string[] = [];
    let name: string | undefined = definition.StartAt;
    while (name !== undefined) {
      if (path.includes(name)) throw new Error(`The success path loops at ${name}`);
      path.push(name);
      const state: (typeof states)[string] | undefined = states[name];
      expect(state, name).toBeDefined();
      expect(state!.Type, `${name} on the confirmed path`).toBe('Task');
      name = state!.End ? undefined : state!.Next;
    }
    expect(path).toEqual(['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'SendConfirmation']);
    expect(path.length).toBeLessThanOrEqual(4);
  });

  // Tasks allowed to run without TimeoutSeconds, each with the reason. None today: keep it that way.
  const NO_TIMEOUT_NEEDED: Record<string, string> = {};

  it('gives every Task a TimeoutSeconds', () => {
    const missing = tasks(definition)
      .filter(([name, state]) => state.TimeoutSeconds === undefined && !(name in NO_TIMEOUT_NEEDED))
      .map(([name]) => name);
    expect(missing).toEqual([]);
    for (const [name, state] of tasks(definition)) {
      if (state.TimeoutSeconds !== undefined) {
        expect(Number.isInteger(state.TimeoutSeconds), name).toBe(true);
        expect(state.TimeoutSeconds, name).toBeGreaterThan(0);
        expect(state.TimeoutSeconds, `${name}: keep it under an hour`).toBeLessThanOrEqual(3600);
      }
    }
  });

  it('has exactly one Fail state, and its Error is OrderFailed', () => {
    const fails = Object.entries(states).filter(([, state]) => state.Type === 'Fail');
    expect(fails.map(([name]) => name)).toEqual(['OrderFailed']);
    expect(fails[0]![1].Error).toBe('OrderFailed');
  });
});
