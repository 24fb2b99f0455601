// The local runtime and `sls package` must read the same definition: the state machine the local stack runs
// (built from `serverless print`) is compared with the DefinitionString of the packaged CloudFormation template
// (tests/deploy/packaged.ts: one `sls package` per run, shared with the deploy tests).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Definition, State } from '../../local/engine/definition.ts';
import { walkStates } from '../../local/engine/definition.ts';
import { packaged, STAGE, type Packaged } from '../deploy/packaged.ts';
import { useLocalStack } from '../support/localStack.ts';

const stack = useLocalStack();

let result: Packaged;
let deployedText: string;
let variables: Record<string, unknown>;
let local: Definition;

beforeAll(async () => {
  result = await packaged();
  const machines = Object.values(result.template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  expect(machines).toHaveLength(1);
  const definitionString = machines[0]!.Properties!.DefinitionString as { 'Fn::Sub': [string, Record<string, unknown>] } | string;
  [deployedText, variables] = typeof definitionString === 'string' ? [definitionString, {}] : definitionString['Fn::Sub'];
  local = stack.current.stepFunctions.definition;
}, 150_000);

/** The deployed definition with each `${placeholder}` replaced by what the local stack resolves its intrinsic to. */
function deployedResolvedLocally(): Definition {
  const restore = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const placeholder = /^\$\{([^}]+)\}$/.exec(value);
      if (placeholder && placeholder[1]! in variables) return stack.current.resolver.resolve(variables[placeholder[1]!], `DefinitionString.${placeholder[1]}`);
      return value;
    }
    if (Array.isArray(value)) return value.map(restore);
    if (value !== null && typeof value === 'object') {
      // serverless-step-functions writes each state's (default) QueryLanguage out; absent means the same.
      return Object.fromEntries(
        Object.entries(value)
          .filter(([key, inner]) => !(key === 'QueryLanguage' && inner === 'JSONPath'))
          .map(([key, inner]) => [key, restore(inner)]),
      );
    }
    return value;
  };
  return restore(JSON.parse(deployedText)) as Definition;
}

interface Transitions {
  type: string;
  next?: unknown;
  end?: unknown;
  default?: unknown;
  choices?: unknown[];
  catch?: Array<{ errors: unknown; next: unknown; resultPath?: unknown }>;
  retry?: Array<{ errors: unknown; maxAttempts: unknown }>;
  resource?: unknown;
  functionName?: string;
}

/** Every state's place in the graph: its type, where it goes (Next/End/Default/Choices/Catch) and what it retries. */
function transitions(definition: Definition, functionKeyOf: (reference: string) => string): Record<string, Transitions> {
  const choiceTargets = (rules: unknown[]): unknown[] =>
    rules.map((rule) => {
      const r = rule as Record<string, unknown>;
      return { next: r.Next, ...(Array.isArray(r.And) ? { and: choiceTargets(r.And) } : {}), ...(Array.isArray(r.Or) ? { or: choiceTargets(r.Or) } : {}) };
    });
  const out: Record<string, Transitions> = {};
  walkStates(definition, (name, state: State) => {
    const params = state.Parameters as Record<string, unknown> | undefined;
    out[name] = {
      type: state.Type,
      ...(state.Next !== undefined ? { next: state.Next } : {}),
      ...(state.End !== undefined ? { end: state.End } : {}),
      ...(state.Default !== undefined ? { default: state.Default } : {}),
      ...(Array.isArray(state.Choices) ? { choices: choiceTargets(state.Choices) } : {}),
      ...(Array.isArray(state.Catch)
        ? { catch: (state.Catch as Array<Record<string, unknown>>).map((c) => ({ errors: c.ErrorEquals, next: c.Next, resultPath: c.ResultPath })) }
        : {}),
      ...(Array.isArray(state.Retry)
        ? { retry: (state.Retry as Array<Record<string, unknown>>).map((r) => ({ errors: r.ErrorEquals, maxAttempts: r.MaxAttempts })) }
        : {}),
      ...(state.Resource !== undefined ? { resource: state.Resource } : {}),
      ...(typeof params?.FunctionName === 'string' ? { functionName: functionKeyOf(params.FunctionName) } : {}),
    };
  });
  return out;
}

describe('the definition the local stack runs and the one `sls package` deploys', () => {
  it('have the same StartAt and the same state names', () => {
    const deployed = JSON.parse(deployedText) as Definition;
    expect(local.StartAt).toBe(deployed.StartAt);
    const names = (definition: Definition) => {
      const all: string[] = [];
      walkStates(definition, (name) => all.push(name));
      return all.sort();
    };
    expect(names(local)).toEqual(names(deployed));
    // Not trivially equal: the whole pipeline is there.
    expect(names(local)).toEqual(expect.arrayContaining(['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'SendConfirmation', 'OrderFailed']));
  });

  it('have the same transitions: Type, Next/End, Default and Choices targets, Catch targets, Retry errors, and the function each Task runs', () => {
    // Packaged FunctionNames are Fn::GetAtt <logical id>.Arn: the function is the one that resource deploys.
    const deployedKey = (reference: string) => {
      const placeholder = /^\$\{([^}]+)\}$/.exec(reference)?.[1];
      const logicalId = placeholder ? (variables[placeholder] as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0] : undefined;
      const deployedName = logicalId ? (result.template.Resources[logicalId]?.Properties?.FunctionName as string | undefined) : undefined;
      const key = Object.keys(stack.current.config.functions ?? {}).find((k) => deployedName?.endsWith(`-${STAGE}-${k}`));
      return key ?? `unknown ${reference}`;
    };
    const localKey = (reference: string) => stack.current.lambda.find(reference)?.key ?? `unknown ${reference}`;
    const deployedGraph = transitions(JSON.parse(deployedText) as Definition, deployedKey);
    const localGraph = transitions(local, localKey);
    expect(localGraph).toEqual(deployedGraph);
    expect(Object.values(localGraph).filter((state) => state.functionName?.startsWith('unknown'))).toEqual([]);
    expect(localGraph.ReceiveOrder!.functionName).toBe('receiveOrder');
  });

  it('are the same in full once the deployed intrinsics are resolved to their local targets (only the stage name differs)', () => {
    const deployed = deployedResolvedLocally();
    // The one stage-dependent literal: the API stage ValidatePayment calls (${sls:stage}).
    const stageOf = (definition: Definition) => (definition.States.ValidatePayment!.Parameters as { Stage: string }).Stage;
    expect(stageOf(deployed)).toBe(STAGE);
    expect(stageOf(local)).toBe(stack.current.resolver.stage);
    const withStage = structuredClone(deployed);
    (withStage.States.ValidatePayment!.Parameters as { Stage: string }).Stage = stageOf(local);
    expect(local).toEqual(withStage);
  });
});
