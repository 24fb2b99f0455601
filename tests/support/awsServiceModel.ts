// AWS's own service models, as botocore ships them (botocore/data/<service>/<version>/service-2.json.gz: the
// published API definitions the AWS CLI is generated from), used to check the local endpoint's answers member by
// member: required members present, no member the model does not have, each of the model's type. Absent botocore
// (no AWS CLI in this Python), the checks are skipped, saying so.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
}

export interface ServiceModel {
  metadata: { protocol: string; apiVersion: string; targetPrefix?: string };
  operations: Record<string, { input?: { shape: string }; output?: { shape: string }; errors?: Array<{ shape: string }> }>;
  shapes: Record<string, Shape>;
}

function botocoreDataDir(): string | undefined {
  try {
    const dir = execFileSync('python3', ['-c', 'import botocore, os; print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return existsSync(join(dir, 'data')) ? join(dir, 'data') : undefined;
  } catch {
    return undefined;
  }
}

const dataDir = botocoreDataDir();
export const SERVICE_MODELS_MISSING = dataDir ? undefined : 'botocore (the AWS CLI v1 in python3) is not installed';

/** The newest model of a service (`stepfunctions`, `sns`, `cloudformation`), or undefined without botocore. */
export function serviceModel(service: string): ServiceModel | undefined {
  if (!dataDir) return undefined;
  const versions = readdirSync(join(dataDir, service)).sort();
  const file = join(dataDir, service, versions.at(-1)!, 'service-2.json.gz');
  return JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as ServiceModel;
}

/** What is wrong with `value` as the shape `shapeName` (empty: it conforms). Timestamps are awsJson's epoch seconds. */
export function shapeProblems(model: ServiceModel, shapeName: string, value: unknown, path = '$'): string[] {
  const shape = model.shapes[shapeName];
  if (!shape) return [`${path}: the model has no shape ${shapeName}`];
  const problems: string[] = [];
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected an object (${shapeName})`];
      const record = value as Record<string, unknown>;
      for (const name of shape.required ?? []) if (record[name] === undefined) problems.push(`${path}.${name}: required by ${shapeName}, missing`);
      for (const [name, member] of Object.entries(record)) {
        const declared = shape.members?.[name];
        if (!declared) problems.push(`${path}.${name}: not a member of ${shapeName}`);
        else problems.push(...shapeProblems(model, declared.shape, member, `${path}.${name}`));
      }
      return problems;
    }
    case 'list':
      if (!Array.isArray(value)) return [`${path}: expected a list (${shapeName})`];
      return value.flatMap((item, i) => shapeProblems(model, shape.member!.shape, item, `${path}[${i}]`));
    case 'map':
      if (typeof value !== 'object' || value === null) return [`${path}: expected a map (${shapeName})`];
      return Object.entries(value).flatMap(([key, item]) => shapeProblems(model, shape.value!.shape, item, `${path}.${key}`));
    case 'string':
      if (typeof value !== 'string') return [`${path}: expected a string (${shapeName})`];
      if (shape.enum && !shape.enum.includes(value)) return [`${path}: "${value}" is not one of ${shape.enum.join(', ')}`];
      if (shape.max !== undefined && value.length > shape.max) return [`${path}: longer than ${shape.max}`];
      if (shape.min !== undefined && value.length < shape.min) return [`${path}: shorter than ${shape.min}`];
      return [];
    case 'timestamp':
      return typeof value === 'number' ? [] : [`${path}: expected epoch seconds (${shapeName})`];
    case 'integer':
    case 'long':
      return typeof value === 'number' && Number.isInteger(value) ? [] : [`${path}: expected an integer (${shapeName})`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean (${shapeName})`];
    default:
      return [];
  }
}
