// Prepares the deployed state machine definition for aws-local-stepfunctions: intrinsics resolved to local
// targets, every Task classified by its Resource, and the few ASL features the engine lacks bridged. Pure.
import type { CloudFormationResolver } from '../stack/cloudFormation.ts';

export type State = Record<string, unknown> & { Type: string };
export interface Definition {
  StartAt: string;
  States: Record<string, State>;
  [other: string]: unknown;
}

/** Every state, nested Parallel branches and Map iterators included, with its place in the definition. */
export function walkStates(definition: Definition, visit: (name: string, state: State, where: string) => void, where = 'States'): void {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    visit(name, state, `${where}.${name}`);
    if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
      (state.Branches as Definition[]).forEach((branch, i) => walkStates(branch, visit, `${where}.${name}.Branches[${i}].States`));
    }
    if (state.Type === 'Map') {
      const inner = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
      if (inner) walkStates(inner, visit, `${where}.${name}.${state.ItemProcessor ? 'ItemProcessor' : 'Iterator'}.States`);
    }
  }
}

/** Step Functions needs state names unique across the whole machine; local handlers are keyed by them. */
export function assertUniqueStateNames(definition: Definition): void {
  const seen = new Map<string, string>();
  walkStates(definition, (name, _state, where) => {
    const first = seen.get(name);
    if (first) throw new Error(`state name "${name}" is used twice (${first} and ${where})`);
    seen.set(name, where);
  });
}

export type TaskResource =
  | { kind: 'lambda:invoke' }
  | { kind: 'lambda:function'; functionArn: string }
  | { kind: 'apigateway:invoke' }
  | { kind: 'dynamodb'; operation: string; sdk: boolean }
  | { kind: 'sns:publish'; sdk: boolean };

/** What a Task's Resource asks for, or an error message when the local stack cannot run it. */
export function classifyResource(resource: unknown): TaskResource | { unsupported: string } {
  if (typeof resource !== 'string') return { unsupported: `Resource ${JSON.stringify(resource)} is not a string` };
  if (/^arn:[^:]+:lambda:[^:]*:[^:]*:function:/.test(resource)) return { kind: 'lambda:function', functionArn: resource };
  const match = /^arn:[^:]+:states:::(.+)$/.exec(resource);
  if (!match) return { unsupported: `Resource "${resource}" is not a service integration the local stack knows` };
  const integration = match[1]!;
  if (/\.(sync|waitForTaskToken)(:\d+)?$/.test(integration)) {
    return { unsupported: `Resource "${resource}": the .sync and .waitForTaskToken patterns are not supported locally` };
  }
  if (integration === 'lambda:invoke') return { kind: 'lambda:invoke' };
  if (integration === 'apigateway:invoke') return { kind: 'apigateway:invoke' };
  if (integration === 'sns:publish') return { kind: 'sns:publish', sdk: false };
  if (integration === 'aws-sdk:sns:publish') return { kind: 'sns:publish', sdk: true };
  const dynamo = /^(aws-sdk:)?dynamodb:([a-zA-Z]+)$/.exec(integration);
  if (dynamo) return { kind: 'dynamodb', operation: dynamo[2]!, sdk: dynamo[1] !== undefined };
  return { unsupported: `Resource "${resource}" is not supported by the local stack` };
}

export interface TaskState {
  name: string;
  where: string;
  state: State;
  resource: TaskResource;
}

/** The resource of every Task; throws naming each Task the local stack cannot run. */
export function taskStates(definition: Definition): TaskState[] {
  const tasks: TaskState[] = [];
  const problems: string[] = [];
  walkStates(definition, (name, state, where) => {
    if (state.Type !== 'Task') return;
    const resource = classifyResource(state.Resource);
    if ('unsupported' in resource) problems.push(`state "${name}" (${where}): ${resource.unsupported}`);
    else tasks.push({ name, where, state, resource });
  });
  if (problems.length > 0) throw new Error(`the local stack cannot run this definition:\n  ${problems.join('\n  ')}`);
  return tasks;
}

/** The definition with every CloudFormation intrinsic resolved to its local target. */
export function resolveDefinition(definition: unknown, resolver: CloudFormationResolver, where = 'definition'): Definition {
  const resolved = resolver.resolve<Definition>(definition, where);
  if (!resolved || typeof resolved !== 'object' || typeof resolved.StartAt !== 'string' || typeof resolved.States !== 'object') {
    throw new Error(`${where} is not an Amazon States Language definition (StartAt and States are required)`);
  }
  return resolved;
}

/** Names of states that have a Retry, mapped to `ms`: the engine's retryIntervalOverrides. */
export function retryIntervalOverridesFor(definition: Definition, ms: number): Record<string, number> {
  const overrides: Record<string, number> = {};
  walkStates(definition, (name, state) => {
    if (Array.isArray(state.Retry) && state.Retry.length > 0) overrides[name] = ms;
  });
  return overrides;
}

const INTRINSIC = /^States\.[A-Za-z]+\(/;

/** A Task that stands in for a Fail state: its local handler throws Error/Cause computed from Parameters. */
export const FAIL_SHIM_RESOURCE = 'arn:aws:states:::local:fail';

/**
 * Bridges what aws-local-stepfunctions 3.0.0 gets wrong, without changing what the definition means:
 * - `ResultPath: "$"` (on a state or a catcher) is stored under a key named "$" instead of replacing the input;
 *   an absent ResultPath means the same thing ("$" is the default), so it is removed.
 * - A Fail state's ErrorPath/CausePath is evaluated as plain JSONPath, but Step Functions also accepts intrinsic
 *   functions there (e.g. CausePath: States.Format(...)). Such Fail states become Tasks whose Parameters compute
 *   Error and Cause and whose local handler throws them: same events, same outcome.
 * Returns a rewritten copy and the names of the Fail states rewritten.
 */
export function bridgeEngineGaps(definition: Definition): { definition: Definition; shimmedFailStates: string[] } {
  const copy = structuredClone(definition);
  const shimmedFailStates: string[] = [];
  walkStates(copy, (name, state) => {
    if (state.ResultPath === '$') delete state.ResultPath;
    if (Array.isArray(state.Catch)) {
      for (const catcher of state.Catch as Array<Record<string, unknown>>) {
        if (catcher.ResultPath === '$') delete catcher.ResultPath;
      }
    }
    if (state.Type !== 'Fail') return;
    const errorPath = typeof state.ErrorPath === 'string' ? state.ErrorPath : undefined;
    const causePath = typeof state.CausePath === 'string' ? state.CausePath : undefined;
    if (!(errorPath && INTRINSIC.test(errorPath)) && !(causePath && INTRINSIC.test(causePath))) return;
    const parameters: Record<string, unknown> = {};
    if (errorPath) parameters['Error.$'] = errorPath;
    else parameters.Error = state.Error ?? 'States.Fail';
    if (causePath) parameters['Cause.$'] = causePath;
    else if (state.Cause !== undefined) parameters.Cause = state.Cause;
    for (const key of Object.keys(state)) delete state[key];
    Object.assign(state, { Type: 'Task', Resource: FAIL_SHIM_RESOURCE, Parameters: parameters, End: true });
    shimmedFailStates.push(name);
  });
  return { definition: copy, shimmedFailStates };
}

/** Declared state types by name (so the history shows Fail for a bridged Fail state). */
export function stateTypes(definition: Definition): Map<string, string> {
  const types = new Map<string, string>();
  walkStates(definition, (name, state) => types.set(name, state.Type));
  return types;
}
