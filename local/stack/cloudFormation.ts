// Resolves the CloudFormation intrinsics `serverless print` leaves in the config ({Ref}, {Fn::GetAtt}, {Fn::Join},
// {Fn::Sub}, ...) to the local stand-ins: table names, topic ARNs, local function ARNs, the local state machine.
// Pure: no I/O. An id or attribute that cannot be resolved is an error naming it and where it was used.
import type { CfnResource, ServerlessConfig } from './serverlessConfig.ts';
import { serviceName } from './serverlessConfig.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_PARTITION = 'aws';
/** API Gateway ids are 10 lowercase letters/digits. */
export const LOCAL_API_ID = 'local0api0';

export class CloudFormationResolveError extends Error {
  override readonly name = 'CloudFormationResolveError';
}

/** Serverless' logical id for a function key: createOrder -> CreateOrderLambdaFunction. */
export function lambdaLogicalId(functionKey: string): string {
  const alnum = functionKey.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
  return `${alnum.charAt(0).toUpperCase()}${alnum.slice(1)}LambdaFunction`;
}

export interface LocalFunctionTarget {
  key: string;
  name: string;
  arn: string;
}

export interface LocalStateMachineTarget {
  key: string;
  logicalId: string;
  name: string;
  arn: string;
}

type Target =
  | { kind: 'resource'; resource: CfnResource }
  | { kind: 'function'; fn: LocalFunctionTarget }
  | { kind: 'stateMachine'; sm: LocalStateMachineTarget }
  | { kind: 'restApi' };

const NO_VALUE = Symbol('AWS::NoValue');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function intrinsicKey(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  return key === 'Ref' || key.startsWith('Fn::') ? key : undefined;
}

export class CloudFormationResolver {
  readonly region = LOCAL_REGION;
  readonly accountId = LOCAL_ACCOUNT_ID;
  readonly partition = LOCAL_PARTITION;
  readonly apiId = LOCAL_API_ID;
  readonly stage: string;
  readonly service: string;
  readonly functions = new Map<string, LocalFunctionTarget>();
  readonly stateMachines = new Map<string, LocalStateMachineTarget>();
  private readonly targets = new Map<string, Target>();
  private readonly resolving = new Set<string>();

  constructor(config: ServerlessConfig) {
    this.stage = config.provider.stage;
    this.service = serviceName(config);
    for (const [logicalId, resource] of Object.entries(config.resources?.Resources ?? {})) {
      this.targets.set(logicalId, { kind: 'resource', resource });
    }
    let hasHttp = false;
    for (const [key, fn] of Object.entries(config.functions ?? {})) {
      const name = fn.name ?? `${this.service}-${this.stage}-${key}`;
      const target = { key, name, arn: this.arn('lambda', `function:${name}`) };
      this.functions.set(key, target);
      this.targets.set(lambdaLogicalId(key), { kind: 'function', fn: target });
      if ((fn.events ?? []).some((event) => event.http !== undefined)) hasHttp = true;
    }
    if (hasHttp) this.targets.set('ApiGatewayRestApi', { kind: 'restApi' });
    for (const [key, sm] of Object.entries(config.stepFunctions?.stateMachines ?? {})) {
      const logicalId = sm.id ?? `${key.charAt(0).toUpperCase()}${key.slice(1)}StepFunctionsStateMachine`;
      const name = typeof sm.name === 'string' ? sm.name : `${this.service}-${this.stage}-${key}`;
      const target = { key, logicalId, name, arn: this.arn('states', `stateMachine:${name}`) };
      this.stateMachines.set(key, target);
      this.targets.set(logicalId, { kind: 'stateMachine', sm: target });
    }
  }

  arn(service: string, resource: string, region = this.region): string {
    return `arn:${this.partition}:${service}:${region}:${this.accountId}:${resource}`;
  }

  /** The REST API's default execute-api host, as `!Join ['.', [!Ref ApiGatewayRestApi, 'execute-api', ...]]` builds it. */
  get apiEndpointHost(): string {
    return `${this.apiId}.execute-api.${this.region}.amazonaws.com`;
  }

  /** Deep-resolves every intrinsic in `value`; `where` names the place for error messages. */
  resolve<T = unknown>(value: unknown, where = '(value)'): T {
    const out = this.resolveValue(value, where);
    return (out === NO_VALUE ? undefined : out) as T;
  }

  /** Resources of one CloudFormation type, with their properties resolved. */
  resourcesOfType(type: string): Array<{ logicalId: string; properties: Record<string, unknown> }> {
    const out: Array<{ logicalId: string; properties: Record<string, unknown> }> = [];
    for (const [logicalId, target] of this.targets) {
      if (target.kind === 'resource' && target.resource.Type === type) {
        out.push({ logicalId, properties: this.resolve(target.resource.Properties ?? {}, `Resources.${logicalId}.Properties`) });
      }
    }
    return out;
  }

  private resolveValue(value: unknown, where: string): unknown {
    const key = intrinsicKey(value);
    if (key) return this.intrinsic(key, (value as Record<string, unknown>)[key], where);
    if (Array.isArray(value)) {
      return value.map((item, i) => this.resolveValue(item, `${where}[${i}]`)).filter((item) => item !== NO_VALUE);
    }
    if (isObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const resolved = this.resolveValue(v, `${where}.${k}`);
        if (resolved !== NO_VALUE) out[k] = resolved;
      }
      return out;
    }
    return value;
  }

  private intrinsic(key: string, arg: unknown, where: string): unknown {
    switch (key) {
      case 'Ref':
        if (typeof arg !== 'string') throw this.error(where, `Ref needs a logical id, got ${JSON.stringify(arg)}`);
        return this.ref(arg, where);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg)
          ? [arg[0], this.resolveValue(arg[1], where)]
          : typeof arg === 'string'
            ? [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)]
            : [undefined, undefined];
        if (typeof id !== 'string' || typeof attr !== 'string' || !id || !attr) {
          throw this.error(where, `Fn::GetAtt needs [LogicalId, Attribute], got ${JSON.stringify(arg)}`);
        }
        return this.getAtt(id, attr, where);
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') {
          throw this.error(where, `Fn::Join needs [delimiter, [values]], got ${JSON.stringify(arg)}`);
        }
        const list = this.resolveValue(arg[1], where);
        if (!Array.isArray(list)) throw this.error(where, 'Fn::Join values must be a list');
        return list.map((item) => this.scalar(item, where, 'Fn::Join')).join(arg[0]);
      }
      case 'Fn::Sub': {
        const [template, vars] = Array.isArray(arg) ? [arg[0], arg[1] ?? {}] : [arg, {}];
        if (typeof template !== 'string' || !isObject(vars)) {
          throw this.error(where, `Fn::Sub needs a string or [string, {vars}], got ${JSON.stringify(arg)}`);
        }
        const resolvedVars = this.resolveValue(vars, where) as Record<string, unknown>;
        return template.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
          if (name.startsWith('!')) return `\${${name.slice(1)}}`;
          if (name in resolvedVars) return this.scalar(resolvedVars[name], where, 'Fn::Sub');
          const dot = name.indexOf('.');
          if (dot > 0 && !name.startsWith('AWS::')) {
            return this.scalar(this.getAtt(name.slice(0, dot), name.slice(dot + 1), where), where, 'Fn::Sub');
          }
          return this.scalar(this.ref(name, where), where, 'Fn::Sub');
        });
      }
      case 'Fn::Select': {
        if (!Array.isArray(arg) || arg.length !== 2) throw this.error(where, 'Fn::Select needs [index, list]');
        const index = Number(this.resolveValue(arg[0], where));
        const list = this.resolveValue(arg[1], where);
        if (!Array.isArray(list) || !Number.isInteger(index) || index < 0 || index >= list.length) {
          throw this.error(where, `Fn::Select index ${String(arg[0])} is out of range`);
        }
        return list[index];
      }
      case 'Fn::Split': {
        if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') {
          throw this.error(where, 'Fn::Split needs [delimiter, string]');
        }
        return this.scalar(this.resolveValue(arg[1], where), where, 'Fn::Split').split(arg[0]);
      }
      default:
        throw this.error(where, `${key} is not supported by the local stack`);
    }
  }

  private scalar(value: unknown, where: string, fn: string): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw this.error(where, `${fn} needs text, got ${JSON.stringify(value)}`);
  }

  ref(logicalId: string, where = '(value)'): unknown {
    switch (logicalId) {
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.accountId;
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return `${this.service}-${this.stage}`;
      case 'AWS::StackId':
        return this.arn('cloudformation', `stack/${this.service}-${this.stage}/00000000-0000-0000-0000-000000000000`);
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        break;
    }
    const target = this.target(logicalId, where);
    switch (target.kind) {
      case 'function':
        return target.fn.name;
      case 'stateMachine':
        return target.sm.arn;
      case 'restApi':
        return this.apiId;
      case 'resource':
        return this.resourceRef(logicalId, target.resource, where);
    }
  }

  getAtt(logicalId: string, attribute: string, where = '(value)'): unknown {
    const target = this.target(logicalId, where);
    const unsupported = () => this.error(where, `Fn::GetAtt ${logicalId}.${attribute} is not supported by the local stack`);
    switch (target.kind) {
      case 'function':
        if (attribute === 'Arn') return target.fn.arn;
        throw unsupported();
      case 'stateMachine':
        if (attribute === 'Arn') return target.sm.arn;
        if (attribute === 'Name') return target.sm.name;
        throw unsupported();
      case 'restApi':
        if (attribute === 'RootResourceId') return 'localroot0';
        throw unsupported();
      case 'resource': {
        const { resource } = target;
        const name = () => this.resourceRef(logicalId, resource, where) as string;
        switch (`${resource.Type}.${attribute}`) {
          case 'AWS::DynamoDB::Table.Arn':
            return this.arn('dynamodb', `table/${name()}`);
          case 'AWS::DynamoDB::Table.StreamArn':
            return this.arn('dynamodb', `table/${name()}/stream/1970-01-01T00:00:00.000`);
          case 'AWS::SNS::Topic.TopicArn':
            return name();
          case 'AWS::SNS::Topic.TopicName':
            return this.topicName(logicalId, resource, where);
          case 'AWS::Logs::LogGroup.Arn':
            return this.arn('logs', `log-group:${name()}:*`);
          default:
            throw unsupported();
        }
      }
    }
  }

  private resourceRef(logicalId: string, resource: CfnResource, where: string): unknown {
    const props = resource.Properties ?? {};
    const prop = (field: string) => {
      const guard = `${logicalId}.${field}`;
      if (this.resolving.has(guard)) throw this.error(where, `${logicalId}.${field} refers to itself`);
      this.resolving.add(guard);
      try {
        return props[field] === undefined ? undefined : this.resolve(props[field], `Resources.${logicalId}.Properties.${field}`);
      } finally {
        this.resolving.delete(guard);
      }
    };
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table': {
        const tableName = prop('TableName');
        if (typeof tableName !== 'string') {
          throw this.error(where, `table ${logicalId} has no TableName; the local stack needs one to name the table`);
        }
        return tableName;
      }
      case 'AWS::SNS::Topic':
        return this.arn('sns', this.topicName(logicalId, resource, where));
      case 'AWS::Logs::LogGroup':
        return prop('LogGroupName') ?? `${this.service}-${this.stage}-${logicalId}`;
      case 'AWS::SNS::Subscription':
        return this.arn('sns', `${logicalId}:local-subscription`);
      default:
        throw this.error(where, `Ref ${logicalId} (${resource.Type}) is not supported by the local stack`);
    }
  }

  private topicName(logicalId: string, resource: CfnResource, where: string): string {
    const name = resource.Properties?.TopicName;
    if (name === undefined) return `${this.service}-${this.stage}-${logicalId}`;
    const resolved = this.resolve(name, `Resources.${logicalId}.Properties.TopicName`);
    if (typeof resolved !== 'string') throw this.error(where, `topic ${logicalId} has a TopicName that is not text`);
    return resolved;
  }

  private target(logicalId: string, where: string): Target {
    const target = this.targets.get(logicalId);
    if (!target) {
      throw this.error(where, `unknown logical id "${logicalId}": not in resources.Resources, functions or stepFunctions`);
    }
    return target;
  }

  private error(where: string, message: string): CloudFormationResolveError {
    return new CloudFormationResolveError(`${where}: ${message}`);
  }
}
