// The workflow definition as serverless resolves it, without running serverless: workflows/order-pipeline.asl.yml
// parsed with the CloudFormation short-form tags and `${sls:stage}` substituted. tests/deploy checks that this
// equals the DefinitionString `sls package` writes, so these fast static checks look at what really deploys.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, type CollectionTag, type ScalarTag } from 'yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFINITION_FILE = 'workflows/order-pipeline.asl.yml';

// ---- the CloudFormation short forms, as serverless reads them -------------------------------------------------
const seqTag = (tag: string, key: string): CollectionTag => ({
  tag,
  collection: 'seq',
  resolve: (node) => ({ [key]: node.toJSON() }),
});
const scalarTag = (tag: string, toValue: (value: string) => unknown): ScalarTag => ({ tag, resolve: toValue });

export const CLOUDFORMATION_TAGS: Array<ScalarTag | CollectionTag> = [
  scalarTag('!Ref', (value) => ({ Ref: value })),
  scalarTag('!GetAtt', (value) => {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
  }),
  seqTag('!GetAtt', 'Fn::GetAtt'),
  scalarTag('!Sub', (value) => ({ 'Fn::Sub': value })),
  seqTag('!Sub', 'Fn::Sub'),
  seqTag('!Join', 'Fn::Join'),
  seqTag('!Select', 'Fn::Select'),
  seqTag('!If', 'Fn::If'),
  scalarTag('!ImportValue', (value) => ({ 'Fn::ImportValue': value })),
  scalarTag('!GetAZs', (value) => ({ 'Fn::GetAZs': value })),
];

/** A YAML file of this repository with the CloudFormation tags resolved; any unknown tag or YAML problem throws. */
export function readCloudFormationYaml(relativePath: string): unknown {
  const text = readFileSync(join(REPO_ROOT, relativePath), 'utf8');
  const document = parseDocument(text, { customTags: CLOUDFORMATION_TAGS });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) throw new Error(`${relativePath}: ${problems.map(String).join('\n')}`);
  return document.toJS();
}

/** Replaces `${sls:stage}` in every string; anything else that looks like a serverless variable is an error. */
function substituteStage(value: unknown, stage: string): unknown {
  if (typeof value === 'string') {
    const substituted = value.replaceAll('${sls:stage}', stage);
    // Serverless variables are `${source:address}`; CloudFormation's are `${Name}` or `${AWS::Name}`.
    const leftover = /\$\{(?!AWS::)[A-Za-z]+:[^}]*\}/.exec(substituted);
    if (leftover) throw new Error(`${DEFINITION_FILE} uses ${leftover[0]}, which this loader does not resolve`);
    return substituted;
  }
  if (Array.isArray(value)) return value.map((item) => substituteStage(item, stage));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteStage(item, stage)]));
  }
  return value;
}

// ---- the definition's shape (JSONPath ASL, only what these tests read) ----------------------------------------
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: string;
}

export interface Catcher {
  ErrorEquals: string[];
  Next: string;
  ResultPath?: string | null;
}

export interface ChoiceRule {
  Variable?: string;
  StringEquals?: string;
  Next: string;
  [operator: string]: unknown;
}

export interface State {
  Type: 'Task' | 'Choice' | 'Pass' | 'Wait' | 'Succeed' | 'Fail' | 'Parallel' | 'Map';
  Comment?: string;
  Next?: string;
  End?: boolean;
  Resource?: string;
  Parameters?: Record<string, unknown>;
  ResultSelector?: Record<string, unknown>;
  ResultPath?: string | null;
  OutputPath?: string | null;
  InputPath?: string | null;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
  Choices?: ChoiceRule[];
  Default?: string;
  Error?: string;
  Cause?: string;
  QueryLanguage?: string;
}

export interface StateMachineDefinition {
  Comment?: string;
  StartAt: string;
  States: Record<string, State>;
  QueryLanguage?: string;
}

export function loadDefinition(stage = 'prod'): StateMachineDefinition {
  return substituteStage(readCloudFormationYaml(DEFINITION_FILE), stage) as StateMachineDefinition;
}

/** serverless.yml as written (variables unresolved, CloudFormation tags as intrinsic objects). */
export interface ServerlessYaml {
  params: Record<string, Record<string, unknown>>;
  provider: Record<string, unknown> & { timeout?: number };
  functions: Record<
    string,
    { handler: string; timeout?: number; events?: Array<{ http?: { path: string; method: string; [key: string]: unknown } }> }
  >;
  [key: string]: unknown;
}

export function loadServerlessYaml(): ServerlessYaml {
  return readCloudFormationYaml('serverless.yml') as ServerlessYaml;
}

/** A per-stage parameter as serverless resolves `${param:name}`: the stage's value, else the default's. */
export function stageParam(config: ServerlessYaml, stage: string, name: string): unknown {
  return config.params[stage]?.[name] ?? config.params.default?.[name];
}

// ---- intrinsics -------------------------------------------------------------------------------------------------
export function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
}

/** The logical id of `!GetAtt X.Arn` / `!Ref X`, else undefined. */
export function referencedLogicalId(value: unknown): string | undefined {
  if (!isIntrinsic(value)) return undefined;
  if (typeof value.Ref === 'string') return value.Ref;
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

/**
 * The definition with every CloudFormation intrinsic replaced by a plausible literal, for validators that expect
 * strings: Lambda ARNs for `!GetAtt <fn>LambdaFunction.Arn`, names for `!Ref`, a host name for the endpoint.
 */
export function withPlaceholders<T>(value: T): T {
  const replace = (item: unknown): unknown => {
    if (isIntrinsic(item)) {
      const id = referencedLogicalId(item);
      if (id?.endsWith('LambdaFunction')) return `arn:aws:lambda:us-east-1:123456789012:function:order-pipeline-${id}`;
      if (id && 'Ref' in item) return `placeholder-${id}`;
      if (id) return `arn:aws:placeholder:us-east-1:123456789012:${id}`;
      return 'placeholder.execute-api.us-east-1.amazonaws.com';
    }
    if (Array.isArray(item)) return item.map(replace);
    if (item !== null && typeof item === 'object') {
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, replace(inner)]));
    }
    return item;
  };
  return replace(value) as T;
}

// ---- the graph --------------------------------------------------------------------------------------------------
/** Every state this one can move to: Next, Default, each Choice's Next, each Catch's Next. */
export function successors(state: State): string[] {
  return [
    ...(state.Next ? [state.Next] : []),
    ...(state.Default ? [state.Default] : []),
    ...(state.Choices ?? []).map((rule) => rule.Next),
    ...(state.Catch ?? []).map((catcher) => catcher.Next),
  ];
}

export function isTerminal(state: State): boolean {
  return state.End === true || state.Type === 'Succeed' || state.Type === 'Fail';
}

export type Integration = 'lambda' | 'apigateway' | 'dynamodb' | 'other';

export function integrationOf(state: State): Integration {
  const resource = state.Resource ?? '';
  if (resource === 'arn:aws:states:::lambda:invoke' || resource.startsWith('arn:aws:states:::lambda:invoke.')) return 'lambda';
  if (resource.startsWith('arn:aws:states:::apigateway:invoke')) return 'apigateway';
  if (resource.startsWith('arn:aws:states:::dynamodb:')) return 'dynamodb';
  return 'other';
}

export function tasks(definition: StateMachineDefinition): Array<[string, State]> {
  return Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
}
