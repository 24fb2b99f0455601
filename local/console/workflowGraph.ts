// The workflow picture, drawn from the ASL definition itself: definition → graph model → layout → SVG string.
// Pure (no node: imports, no DOM): `npm run graph` writes docs/order-pipeline.svg with it, and the local console
// draws the same picture in the browser with the same code, lighting an execution's path through the
// `data-state` / `data-from` / `data-to` attributes every node and edge carries.
import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';

/** A definition the picture cannot be drawn from; the message says which state and which field. */
export class WorkflowDefinitionError extends Error {
  override name = 'WorkflowDefinitionError';
}

// ---- the graph model --------------------------------------------------------------------------------------------
export const STATE_TYPES = ['Task', 'Choice', 'Pass', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'] as const;
export type StateType = (typeof STATE_TYPES)[number];

/** Where a state is drawn; see `assignLanes` for the rule. */
export type LaneId = 'main' | 'handled' | 'compensation';
export type EdgeKind = 'next' | 'default' | 'choice' | 'catch';

export interface RetryBadge {
  errors: string[];
  /** Retries after the first attempt; ASL's default is 3 (States Language spec, "Retrying after error"). */
  maxAttempts: number;
}

export interface StateNode {
  name: string;
  type: StateType;
  /** What the state does, beyond its type: "Lambda", "API Gateway POST /path", "DynamoDB updateItem", a Fail's error. */
  detail: string;
  lane: LaneId;
  isStart: boolean;
  /** `End: true` (Succeed and Fail states end by their type and are drawn as such). */
  isEnd: boolean;
  retries: RetryBadge[];
  comment?: string;
}

export interface TransitionEdge {
  /** Unique within the graph: `<from>-><to>:<kind>` plus the rule's or catcher's index. */
  id: string;
  from: string;
  to: string;
  kind: EdgeKind;
  /** Shown on the edge: the Choice rule, "Default", or the Catch's error names joined (empty for Next). */
  label: string;
  /** Catch only: its ErrorEquals. */
  errors?: string[];
}

export interface WorkflowGraph {
  startAt: string;
  comment?: string;
  states: StateNode[];
  edges: TransitionEdge[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The graph of a (JSONPath or JSONata) ASL definition's top-level states; throws WorkflowDefinitionError. */
export function workflowGraph(definition: unknown): WorkflowGraph {
  if (!isObject(definition) || typeof definition.StartAt !== 'string' || !isObject(definition.States)) {
    throw new WorkflowDefinitionError(
      'not an Amazon States Language definition: expected an object with StartAt (a state name) and States (an object of states)',
    );
  }
  const states = definition.States;
  const names = Object.keys(states);
  if (names.length === 0) throw new WorkflowDefinitionError('States is empty: a state machine needs at least one state');
  if (!(definition.StartAt in states)) {
    throw new WorkflowDefinitionError(`StartAt "${definition.StartAt}" is not a state of this definition`);
  }
  const target = (from: string, field: string, value: unknown): string => {
    if (typeof value !== 'string') throw new WorkflowDefinitionError(`state "${from}": ${field} must be a state name, got ${JSON.stringify(value)}`);
    if (!(value in states)) throw new WorkflowDefinitionError(`state "${from}": ${field} "${value}" is not a state of this definition`);
    return value;
  };
  const errorList = (from: string, field: string, value: unknown): string[] => {
    if (!Array.isArray(value) || value.length === 0 || !value.every((item) => typeof item === 'string')) {
      throw new WorkflowDefinitionError(`state "${from}": ${field}.ErrorEquals must be a non-empty list of error names`);
    }
    return value as string[];
  };
  const list = (from: string, field: string, value: unknown): Json[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every(isObject)) throw new WorkflowDefinitionError(`state "${from}": ${field} must be a list of objects`);
    return value;
  };

  const nodes: StateNode[] = [];
  const edges: TransitionEdge[] = [];
  for (const name of names) {
    const state = states[name];
    if (!isObject(state)) throw new WorkflowDefinitionError(`state "${name}" is not an object`);
    const type = state.Type;
    if (typeof type !== 'string' || !(STATE_TYPES as readonly string[]).includes(type)) {
      throw new WorkflowDefinitionError(`state "${name}": Type ${JSON.stringify(type)} is not an ASL state type (${STATE_TYPES.join(', ')})`);
    }
    const stateType = type as StateType;
    const terminalType = stateType === 'Succeed' || stateType === 'Fail';
    if (state.Next !== undefined) edges.push({ id: `${name}->${target(name, 'Next', state.Next)}:next`, from: name, to: state.Next as string, kind: 'next', label: '' });
    if (stateType === 'Choice') {
      const rules = list(name, 'Choices', state.Choices);
      if (rules.length === 0) throw new WorkflowDefinitionError(`state "${name}": a Choice state needs a non-empty Choices list`);
      rules.forEach((rule, i) => {
        const to = target(name, `Choices[${i}].Next`, rule.Next);
        edges.push({ id: `${name}->${to}:choice${i}`, from: name, to, kind: 'choice', label: choiceRuleText(rule, `state "${name}": Choices[${i}]`) });
      });
      if (state.Default !== undefined) {
        const to = target(name, 'Default', state.Default);
        edges.push({ id: `${name}->${to}:default`, from: name, to, kind: 'default', label: 'Default' });
      }
    } else if (!terminalType && state.Next === undefined && state.End !== true) {
      throw new WorkflowDefinitionError(`state "${name}": a ${stateType} state needs Next or End: true`);
    }
    list(name, 'Catch', state.Catch).forEach((catcher, i) => {
      const errors = errorList(name, `Catch[${i}]`, catcher.ErrorEquals);
      const to = target(name, `Catch[${i}].Next`, catcher.Next);
      edges.push({ id: `${name}->${to}:catch${i}`, from: name, to, kind: 'catch', label: errors.join(', '), errors });
    });
    const retries = list(name, 'Retry', state.Retry).map((retrier, i) => {
      const maxAttempts = retrier.MaxAttempts ?? 3;
      if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 0) {
        throw new WorkflowDefinitionError(`state "${name}": Retry[${i}].MaxAttempts must be a non-negative integer`);
      }
      return { errors: errorList(name, `Retry[${i}]`, retrier.ErrorEquals), maxAttempts };
    });
    nodes.push({
      name,
      type: stateType,
      detail: stateDetail(state, stateType),
      lane: 'main',
      isStart: name === definition.StartAt,
      isEnd: state.End === true,
      retries,
      ...(typeof state.Comment === 'string' ? { comment: state.Comment } : {}),
    });
  }
  assignLanes(definition.StartAt, nodes, edges);
  return { startAt: definition.StartAt, ...(typeof definition.Comment === 'string' ? { comment: definition.Comment } : {}), states: nodes, edges };
}

/**
 * The lanes, derived from the graph alone (no state names), in one place:
 * - main: StartAt and each Next after it, the path an execution takes when nothing fails;
 * - compensation: every other state whose own flow (Next, Default, Choice rules; not Catch) can end in a Fail
 *   state: the steps that undo work and end the execution failed;
 * - handled: the rest, reached through a Catch or a Choice rule, whose flow ends without failing (a rejection,
 *   a recorded notice).
 */
function assignLanes(startAt: string, nodes: StateNode[], edges: TransitionEdge[]): void {
  const main = new Set(mainPath(startAt, edges));
  const reachesFail = new Set(nodes.filter((node) => node.type === 'Fail').map((node) => node.name));
  for (let grew = true; grew; ) {
    grew = false;
    for (const edge of edges) {
      if (edge.kind !== 'catch' && reachesFail.has(edge.to) && !reachesFail.has(edge.from)) {
        reachesFail.add(edge.from);
        grew = true;
      }
    }
  }
  for (const node of nodes) {
    node.lane = main.has(node.name) ? 'main' : reachesFail.has(node.name) ? 'compensation' : 'handled';
  }
}

/** StartAt and each Next after it, in order. */
function mainPath(startAt: string, edges: TransitionEdge[]): string[] {
  const path: string[] = [];
  for (let name: string | undefined = startAt; name !== undefined && !path.includes(name); ) {
    path.push(name);
    name = edges.find((edge) => edge.from === name && edge.kind === 'next')?.to;
  }
  return path;
}

// ---- what a state shows -----------------------------------------------------------------------------------------
const SERVICE_NAMES: Record<string, string> = {
  lambda: 'Lambda',
  apigateway: 'API Gateway',
  dynamodb: 'DynamoDB',
  sns: 'SNS',
  sqs: 'SQS',
  states: 'Step Functions',
  events: 'EventBridge',
  s3: 'S3',
  ecs: 'ECS',
  batch: 'Batch',
  glue: 'Glue',
  athena: 'Athena',
  bedrock: 'Bedrock',
  http: 'HTTPS',
};

function stateDetail(state: Json, type: StateType): string {
  switch (type) {
    case 'Task':
      return taskDetail(state);
    case 'Fail':
      return typeof state.Error === 'string' ? state.Error : typeof state.ErrorPath === 'string' ? state.ErrorPath : '';
    case 'Wait': {
      if (typeof state.Seconds === 'number') return `${state.Seconds} s`;
      const from = ['SecondsPath', 'Timestamp', 'TimestampPath'].find((key) => typeof state[key] === 'string');
      return from ? String(state[from]) : '';
    }
    case 'Parallel':
      return Array.isArray(state.Branches) ? `${state.Branches.length} branches` : '';
    case 'Map':
      return 'for each item';
    default:
      return '';
  }
}

/** "Lambda", "API Gateway POST /payments/validate", "DynamoDB updateItem", … from the Task's Resource. */
function taskDetail(state: Json): string {
  const resource = state.Resource;
  if (typeof resource !== 'string') return 'resource from the template';
  if (/^arn:[^:]+:lambda:[^:]*:[^:]*:function:/.test(resource)) return 'Lambda';
  if (/^arn:[^:]+:states:[^:]*:[^:]*:activity:/.test(resource)) return 'Activity';
  const integration = /^arn:[^:]+:states:::(aws-sdk:)?([a-z0-9-]+):([A-Za-z0-9]+)(?:\.(sync|waitForTaskToken))?(?::\d+)?$/.exec(resource);
  if (!integration) return resource;
  const [, sdk, service, action, pattern] = integration as unknown as [string, string | undefined, string, string, string | undefined];
  const serviceName = SERVICE_NAMES[service] ?? service;
  const parameters = isObject(state.Parameters) ? state.Parameters : isObject(state.Arguments) ? state.Arguments : {};
  let text: string;
  if (service === 'lambda' && action === 'invoke') text = 'Lambda';
  else if (service === 'apigateway' && action === 'invoke') {
    const route = [parameters.Method, parameters.Path].filter((part) => typeof part === 'string').join(' ');
    text = route ? `API Gateway ${route}` : 'API Gateway';
  } else text = `${serviceName} ${action}`;
  if (sdk) text += ' (SDK)';
  if (pattern === 'sync') text += ', waits to finish';
  if (pattern === 'waitForTaskToken') text += ', waits for a task token';
  return text;
}

const COMPARISONS: Array<[RegExp, string]> = [
  [/^(String|Numeric|Boolean|Timestamp)Equals(Path)?$/, '=='],
  [/^(String|Numeric|Timestamp)LessThanEquals(Path)?$/, '<='],
  [/^(String|Numeric|Timestamp)GreaterThanEquals(Path)?$/, '>='],
  [/^(String|Numeric|Timestamp)LessThan(Path)?$/, '<'],
  [/^(String|Numeric|Timestamp)GreaterThan(Path)?$/, '>'],
  [/^StringMatches$/, 'matches'],
];
const TYPE_TESTS = ['IsNull', 'IsPresent', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'];

/** A Choice rule as one line: `$.Error == "OutOfStock"`, `IsPresent($.x)`, `(a) && (b)`; JSONata: its Condition. */
export function choiceRuleText(rule: Json, where: string): string {
  if (typeof rule.Condition === 'string') return rule.Condition;
  const nested = (key: 'And' | 'Or'): string => {
    const rules = rule[key];
    if (!Array.isArray(rules) || rules.length === 0 || !rules.every(isObject)) throw new WorkflowDefinitionError(`${where}: ${key} must be a non-empty list of rules`);
    return rules.map((inner, i) => wrapCompound(inner, choiceRuleText(inner, `${where}.${key}[${i}]`))).join(key === 'And' ? ' && ' : ' || ');
  };
  if ('And' in rule) return nested('And');
  if ('Or' in rule) return nested('Or');
  if ('Not' in rule) {
    if (!isObject(rule.Not)) throw new WorkflowDefinitionError(`${where}: Not must be a rule`);
    return `!(${choiceRuleText(rule.Not, `${where}.Not`)})`;
  }
  if (typeof rule.Variable !== 'string') throw new WorkflowDefinitionError(`${where}: a rule needs a Variable (or And, Or, Not, Condition)`);
  for (const key of Object.keys(rule)) {
    if (TYPE_TESTS.includes(key)) return `${rule[key] === false ? '!' : ''}${key}(${rule.Variable})`;
    const operator = COMPARISONS.find(([pattern]) => pattern.test(key))?.[1];
    if (operator) {
      const value = key.endsWith('Path') ? String(rule[key]) : JSON.stringify(rule[key]);
      return `${rule.Variable} ${operator} ${value}`;
    }
  }
  throw new WorkflowDefinitionError(`${where}: no comparison operator (StringEquals, NumericLessThan, IsPresent, …) on ${rule.Variable}`);
}

const wrapCompound = (rule: Json, text: string): string => ('And' in rule || 'Or' in rule ? `(${text})` : text);

// ---- text measurement -------------------------------------------------------------------------------------------
// No browser, so text is measured by estimate. The declared stacks are metric-compatible families (Helvetica,
// Arial, Liberation Sans, Nimbus Sans share Helvetica's advance widths; the monospace fonts are all ~0.6 em), so
// the widths of Helvetica's AFM below hold wherever one of them is installed. Units: 1/1000 em, ASCII 32-126.
export const SANS_STACK = "Helvetica, Arial, 'Liberation Sans', 'Nimbus Sans', sans-serif";
export const MONO_STACK = "Menlo, Consolas, 'Liberation Mono', 'DejaVu Sans Mono', monospace";
// prettier-ignore
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
  556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
  722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
  556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
  260, 334, 584,
];
// prettier-ignore
const HELVETICA_BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
  556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833,
  722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611,
  556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389,
  280, 389, 584,
];
const MONO_ADVANCE = 0.61;

interface Font {
  size: number;
  weight: 'normal' | 'bold';
  mono: boolean;
}

export function textWidth(text: string, font: Font): number {
  if (font.mono) return text.length * MONO_ADVANCE * font.size;
  const table = font.weight === 'bold' ? HELVETICA_BOLD : HELVETICA;
  let units = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    units += code >= 32 && code <= 126 ? table[code - 32]! : code === 0xb7 ? 278 : 1000; // other glyphs: assume wide
  }
  return (units / 1000) * font.size;
}

/** Words (split after `separator`) packed into lines no wider than `max`; a word longer than `max` stands alone. */
function wrap(text: string, font: Font, max: number, separator = ' '): string[] {
  const words = text.split(separator).map((word, i, all) => (i < all.length - 1 ? word + separator : word));
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && textWidth((line + word).trimEnd(), font) > max) {
      lines.push(line.trimEnd());
      line = word;
    } else line += word;
  }
  if (line) lines.push(line.trimEnd());
  return lines;
}

// ---- look -------------------------------------------------------------------------------------------------------
const FONTS = {
  title: { size: 18, weight: 'bold', mono: false },
  subtitle: { size: 12.5, weight: 'normal', mono: false },
  laneTitle: { size: 12.5, weight: 'bold', mono: false },
  laneRule: { size: 11, weight: 'normal', mono: false },
  stateName: { size: 14.5, weight: 'bold', mono: false },
  stateType: { size: 12, weight: 'normal', mono: false },
  badgeTitle: { size: 11, weight: 'bold', mono: false },
  badgeErrors: { size: 10.5, weight: 'normal', mono: true },
  edgeLabel: { size: 11, weight: 'normal', mono: true },
  chip: { size: 9.5, weight: 'bold', mono: false },
  legend: { size: 12, weight: 'normal', mono: false },
} satisfies Record<string, Font>;

const INK = '#1f2328';
const MUTED = '#57606a';
const PAPER = '#ffffff';

/** Fill, border and accent text of each state type: dark-on-light pairs, each above 4.5:1 contrast. */
const TYPE_COLOURS: Record<StateType, { fill: string; stroke: string; text: string }> = {
  Task: { fill: '#eef4ff', stroke: '#3b6fd8', text: '#1d4ea8' },
  Choice: { fill: '#fff5db', stroke: '#b7791f', text: '#7a4c00' },
  Pass: { fill: '#f3f4f6', stroke: '#6b7280', text: '#4b5563' },
  Wait: { fill: '#f4efff', stroke: '#7c5cc4', text: '#5b3ea6' },
  Succeed: { fill: '#e6f6ec', stroke: '#2f855a', text: '#1e6b43' },
  Fail: { fill: '#fdecec', stroke: '#c53030', text: '#a12323' },
  Parallel: { fill: '#e6fbf8', stroke: '#2c7a7b', text: '#1f5f60' },
  Map: { fill: '#e6fbf8', stroke: '#2c7a7b', text: '#1f5f60' },
};

const EDGE_COLOURS: Record<EdgeKind | 'start', string> = {
  start: '#57606a',
  next: '#57606a',
  default: '#8a5a00',
  choice: '#8a5a00',
  catch: '#c2410c',
};
const RETRY = { fill: '#ffffff', stroke: '#8250df', text: '#6639ba' };

const LANES: Record<LaneId, { title: string; rule: string; fill: string; stroke: string; text: string }> = {
  main: { title: 'Main path', rule: 'StartAt, then each Next', fill: '#f6f9ff', stroke: '#c9d7f2', text: '#1d4ea8' },
  handled: { title: 'Handled outcomes', rule: 'caught or chosen; ends without failing', fill: '#f8f8fa', stroke: '#d8dae0', text: '#4b5563' },
  compensation: { title: 'Compensation', rule: 'its flow can end in a Fail state', fill: '#fff6f4', stroke: '#f1cfc7', text: '#a12323' },
};

// Node geometry.
const PAD_X = 14;
const PAD_TOP = 12;
const PAD_BOTTOM = 12;
const NAME_LINE = 19;
const TYPE_LINE = 17;
const MIN_NODE_WIDTH = 220;
const BADGE_GAP = 8;
const BADGE_PAD = 7;
const BADGE_TITLE_LINE = 15;
const BADGE_LINE = 13.5;
const CHIP = { width: 30, height: 15 };
const START = { width: 62, height: 26 };
const LABEL_PAD = { x: 5, y: 3 };
const EDGE_LABEL_LINE = 14;
const EDGE_LABEL_MAX = 250;

// ---- layout -----------------------------------------------------------------------------------------------------
export interface Point {
  x: number;
  y: number;
}

/** Centre and size. */
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedBadge extends RetryBadge {
  lines: string[];
  height: number;
}

export interface PlacedState extends StateNode {
  x: number;
  y: number;
  width: number;
  height: number;
  badges: PlacedBadge[];
}

export interface PlacedEdge extends TransitionEdge {
  points: Point[];
  labelLines: string[];
  labelBox?: { x: number; y: number; width: number; height: number };
}

export interface PlacedLane {
  id: LaneId;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Where the lane's title is drawn (centre and size). */
  title: { x: number; y: number; width: number; height: number };
}

export interface WorkflowLayout {
  graph: WorkflowGraph;
  width: number;
  height: number;
  start: { x: number; y: number; width: number; height: number };
  /** From the Start marker to StartAt. */
  startEdge: Point[];
  states: PlacedState[];
  edges: PlacedEdge[];
  lanes: PlacedLane[];
}

function measureState(node: StateNode): { width: number; height: number; badges: PlacedBadge[] } {
  const chipWidth = node.isEnd ? CHIP.width + 8 : 0;
  const longestError = Math.max(0, ...node.retries.flatMap((retry) => retry.errors.map((error) => textWidth(`${error},`, FONTS.badgeErrors))));
  const width = Math.ceil(
    Math.max(
      MIN_NODE_WIDTH,
      textWidth(node.name, FONTS.stateName) + chipWidth + 2 * PAD_X,
      textWidth(typeLine(node), FONTS.stateType) + 2 * PAD_X,
      longestError + 2 * (PAD_X + BADGE_PAD),
    ),
  );
  const badges = node.retries.map((retry) => {
    const lines = wrap(retry.errors.join(', '), FONTS.badgeErrors, width - 2 * (PAD_X + BADGE_PAD));
    return { ...retry, lines, height: BADGE_PAD + BADGE_TITLE_LINE + lines.length * BADGE_LINE + BADGE_PAD - 2 };
  });
  const height = PAD_TOP + NAME_LINE + TYPE_LINE + badges.reduce((sum, badge) => sum + BADGE_GAP + badge.height, 0) + PAD_BOTTOM;
  return { width, height: Math.ceil(height), badges };
}

const typeLine = (node: StateNode): string => (node.detail ? `${node.type} · ${node.detail}` : node.type);

function edgeLabelLines(edge: TransitionEdge): string[] {
  if (!edge.label) return [];
  return wrap(edge.label, FONTS.edgeLabel, EDGE_LABEL_MAX, edge.kind === 'catch' ? ', ' : ' ');
}

/**
 * Ranks that decide which way each edge is laid out. Lanes are ranked in turn: the main path, then
 * compensation (everything can fail into it), then the handled outcomes (compensation can still end in a
 * rejection). A state's rank is its longest distance from StartAt over the edges that stay in a lane or go on to
 * a later one (a cycle's closing edge left out); an edge back into an earlier lane (a failed notice handing over to
 * compensation) does not push its target down, and is drawn upward when its target ranks higher.
 */
const LANE_RANK_ORDER: LaneId[] = ['main', 'compensation', 'handled'];

function layoutRanks(graph: WorkflowGraph): Map<string, number> {
  const laneOrder = new Map(graph.states.map((state) => [state.name, LANE_RANK_ORDER.indexOf(state.lane)]));
  const ranking = graph.edges.filter((edge) => laneOrder.get(edge.from)! <= laneOrder.get(edge.to)!);
  const out = new Map<string, string[]>();
  for (const edge of ranking) out.set(edge.from, [...(out.get(edge.from) ?? []), edge.to]);
  // Depth-first from StartAt; a successor still on the stack closes a cycle and does not rank.
  const order: string[] = [];
  const mark = new Map<string, 'open' | 'done'>();
  const acyclic = new Map<string, string[]>();
  const visit = (name: string): void => {
    mark.set(name, 'open');
    for (const next of out.get(name) ?? []) {
      if (mark.get(next) === 'open') continue;
      acyclic.set(name, [...(acyclic.get(name) ?? []), next]);
      if (!mark.has(next)) visit(next);
    }
    mark.set(name, 'done');
    order.unshift(name);
  };
  visit(graph.startAt);
  for (const state of graph.states) if (!mark.has(state.name)) visit(state.name);
  const ranks = new Map<string, number>(graph.states.map((state) => [state.name, 0]));
  for (const name of order) {
    for (const next of acyclic.get(name) ?? []) ranks.set(next, Math.max(ranks.get(next)!, ranks.get(name)! + 1));
  }
  return ranks;
}

const nodeKey = (name: string): string => `state:${name}`;
const START_KEY = 'start';
const laneKey = (lane: LaneId): string => `lane:${lane}`;
const laneTitleKey = (lane: LaneId): string => `lane-title:${lane}`;

/** Positions for every state, edge, label and lane, by dagre (top to bottom). Same graph, same numbers. */
export function layoutWorkflow(graph: WorkflowGraph): WorkflowLayout {
  const g = new graphlib.Graph({ multigraph: true, compound: true });
  g.setGraph({ rankdir: 'TB', nodesep: 26, edgesep: 12, ranksep: 40, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const measured = new Map(graph.states.map((state) => [state.name, measureState(state)]));
  // Lanes left to right as dagre orders them to cross the fewest edges.
  const lanesUsed = LANE_RANK_ORDER.filter((lane) => graph.states.some((state) => state.lane === lane));
  const laneOf = new Map<string, LaneId>();
  for (const lane of lanesUsed) {
    g.setNode(laneKey(lane), {});
    const titleWidth = Math.max(textWidth(LANES[lane].title, FONTS.laneTitle), textWidth(LANES[lane].rule, FONTS.laneRule));
    g.setNode(laneTitleKey(lane), { width: Math.ceil(titleWidth) + 8, height: 30 });
    g.setParent(laneTitleKey(lane), laneKey(lane));
    laneOf.set(laneTitleKey(lane), lane);
  }
  g.setNode(START_KEY, { width: START.width, height: START.height });
  g.setParent(START_KEY, laneKey('main'));
  laneOf.set(START_KEY, 'main');
  for (const state of graph.states) {
    const { width, height } = measured.get(state.name)!;
    g.setNode(nodeKey(state.name), { width, height });
    g.setParent(nodeKey(state.name), laneKey(state.lane));
    laneOf.set(nodeKey(state.name), state.lane);
  }
  const ranks = layoutRanks(graph);
  const index = new Map(graph.states.map((state, i) => [state.name, i]));
  const before = (a: string, b: string): boolean => ranks.get(a)! < ranks.get(b)! || (ranks.get(a) === ranks.get(b) && index.get(a)! < index.get(b)!);
  const reversed = new Set<string>();
  const labels = new Map<string, string[]>();
  g.setEdge(START_KEY, nodeKey(graph.startAt), { weight: 8 }, 'start');
  for (const edge of graph.edges) {
    const lines = edgeLabelLines(edge);
    labels.set(edge.id, lines);
    const width = lines.length ? Math.ceil(Math.max(...lines.map((line) => textWidth(line, FONTS.edgeLabel))) + 2 * LABEL_PAD.x) : 0;
    const height = lines.length ? lines.length * EDGE_LABEL_LINE + 2 * LABEL_PAD.y : 0;
    const forward = edge.from === edge.to || before(edge.from, edge.to);
    // The main path pulls hardest, so it stays a straight, tight spine; an edge drawn upward does not pull.
    const sameLane = laneOf.get(nodeKey(edge.from)) === laneOf.get(nodeKey(edge.to));
    const weight = !forward ? 1 : edge.kind === 'next' && laneOf.get(nodeKey(edge.from)) === 'main' ? 16 : sameLane ? 4 : 3;
    const label = { width, height, labelpos: 'c', weight };
    if (!forward) reversed.add(edge.id);
    g.setEdge(nodeKey(forward ? edge.from : edge.to), nodeKey(forward ? edge.to : edge.from), label, edge.id);
  }
  // Every lane's title sits above Start, so all lanes begin at the top rank: columns side by side. (A hard
  // constraint: dagre keeps each lane vertically compact with weights heavier than any edge's.)
  for (const lane of lanesUsed) g.setEdge(laneTitleKey(lane), START_KEY, { weight: 1 }, `title:${lane}`);
  // dagre's corePath keeps the main path one straight column: the spine.
  dagreLayout(g, { corePath: [START_KEY, ...mainPath(graph.startAt, graph.edges).map(nodeKey)] });

  const box = (key: string) => g.node(key) as Box;
  const states: PlacedState[] = graph.states.map((state) => {
    const { x, y, width, height } = box(nodeKey(state.name));
    return { ...state, x, y, width, height, badges: measured.get(state.name)!.badges };
  });
  const edges: PlacedEdge[] = graph.edges.map((edge) => {
    const forward = !reversed.has(edge.id);
    const laid = g.edge(nodeKey(forward ? edge.from : edge.to), nodeKey(forward ? edge.to : edge.from), edge.id) as {
      points: Point[];
      x?: number;
      y?: number;
      width: number;
      height: number;
    };
    const ported = edge.from === edge.to ? laid.points : throughPorts(laid.points, box(nodeKey(forward ? edge.from : edge.to)), box(nodeKey(forward ? edge.to : edge.from)));
    const points = forward ? ported : [...ported].reverse();
    const labelLines = labels.get(edge.id)!;
    const placed: PlacedEdge = { ...edge, points, labelLines };
    if (labelLines.length && laid.x !== undefined && laid.y !== undefined) {
      placed.labelBox = { x: laid.x - laid.width / 2, y: laid.y - laid.height / 2, width: laid.width, height: laid.height };
    }
    return placed;
  });
  // Columns: each lane as wide as dagre made it, all as tall as the tallest.
  const clusters = lanesUsed.map((lane) => ({ lane, ...box(laneKey(lane)) }));
  const top = Math.min(...clusters.map((c) => c.y - c.height / 2));
  const bottom = Math.max(...clusters.map((c) => c.y + c.height / 2));
  const lanes: PlacedLane[] = clusters.map(({ lane, x, width }) => ({
    id: lane,
    x: x - width / 2,
    y: top,
    width,
    height: bottom - top,
    title: box(laneTitleKey(lane)),
  }));
  const start = { ...box(START_KEY) };
  const startPoints = (g.edge(START_KEY, nodeKey(graph.startAt), 'start') as { points: Point[] }).points;
  // Move everything so the drawing starts at (0, 0).
  const corners = [...lanes.flatMap((l) => [{ x: l.x, y: l.y }, { x: l.x + l.width, y: l.y + l.height }]), ...edges.flatMap((e) => e.points)];
  const minX = Math.min(...corners.map((p) => p.x));
  const minY = Math.min(...corners.map((p) => p.y));
  const width = Math.max(...corners.map((p) => p.x)) - minX;
  const height = Math.max(...corners.map((p) => p.y)) - minY;
  const shift = <T extends Point>(p: T): T => Object.assign(p, { x: p.x - minX, y: p.y - minY });
  states.forEach(shift);
  for (const edge of edges) {
    edge.points = edge.points.map((p) => shift({ ...p }));
    if (edge.labelBox) shift(edge.labelBox);
  }
  for (const lane of lanes) {
    shift(lane);
    lane.title = shift({ ...lane.title });
  }
  shift(start);
  const startEdge = startPoints.map((p) => shift({ ...p }));
  return { graph, width, height, start, startEdge, states, edges, lanes };
}

/**
 * dagre ends an edge where the line to the node's centre meets its border, which can be a side, at a slant that
 * clips a neighbour's corner. Top to bottom, an edge leaves the bottom of the upper state and enters the top of the
 * lower one instead, straight below or above its nearest bend.
 */
function throughPorts(points: Point[], upper: Box, lower: Box): Point[] {
  if (points.length < 3) return points;
  const port = (node: Box, toward: Point, side: 1 | -1): Point => {
    const inner = Math.min(12, node.width / 4);
    const x = Math.min(Math.max(toward.x, node.x - node.width / 2 + inner), node.x + node.width / 2 - inner);
    return { x, y: node.y + (side * node.height) / 2 };
  };
  return [port(upper, points[1]!, 1), ...points.slice(1, -1), port(lower, points.at(-2)!, -1)];
}

// ---- SVG --------------------------------------------------------------------------------------------------------
export interface SvgOptions {
  /** The heading drawn above the graph. */
  title?: string;
  /** A line under the heading (e.g. where the picture comes from). */
  subtitle?: string;
  /** Prefix of the SVG's element ids (markers), so several pictures can share one page. */
  idPrefix?: string;
}

const MARGIN = 24;

/** Coordinates with at most one decimal, and no "-0": the output is byte-identical for the same input. */
const num = (value: number): string => {
  const rounded = Math.round(value * 10) / 10;
  return String(Object.is(rounded, -0) ? 0 : rounded);
};

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

const fontAttrs = (font: Font): string =>
  `font-family="${font.mono ? MONO_STACK : SANS_STACK}" font-size="${font.size}"${font.weight === 'bold' ? ' font-weight="bold"' : ''}`;

function text(x: number, y: number, content: string, font: Font, fill: string, extra = ''): string {
  return `<text x="${num(x)}" y="${num(y)}" ${fontAttrs(font)} fill="${fill}"${extra}>${escapeXml(content)}</text>`;
}

/**
 * A smooth path through every one of dagre's points: monotone cubic interpolation along y (d3's curveMonotoneY).
 * It passes through the points dagre routed around the states and never overshoots between two of them, so the
 * curve keeps to that route instead of cutting corners across a state.
 */
export function curvePath(points: Point[]): string {
  const p = points.filter((point, i) => i === 0 || point.x !== points[i - 1]!.x || point.y !== points[i - 1]!.y);
  if (p.length < 3) return p.map((point, i) => `${i === 0 ? 'M' : 'L'}${num(point.x)},${num(point.y)}`).join(' ');
  // Along y, x is the value: slopes dx/dy, tangents limited as Fritsch and Carlson do so x stays monotone.
  const sign = (value: number) => (value < 0 ? -1 : 1);
  const secant = (a: Point, b: Point) => (b.y === a.y ? 0 : (b.x - a.x) / (b.y - a.y));
  const tangents = p.map((point, i) => {
    if (i === 0 || i === p.length - 1) return Number.NaN;
    const h0 = point.y - p[i - 1]!.y;
    const h1 = p[i + 1]!.y - point.y;
    const s0 = secant(p[i - 1]!, point);
    const s1 = secant(point, p[i + 1]!);
    if (h0 + h1 === 0) return 0;
    const mid = (s0 * h1 + s1 * h0) / (h0 + h1);
    return (sign(s0) + sign(s1)) * Math.min(Math.abs(s0), Math.abs(s1), 0.5 * Math.abs(mid)) || 0;
  });
  const endTangent = (a: Point, b: Point, inner: number) => {
    const h = b.y - a.y;
    return h ? (3 * (b.x - a.x) / h - inner) / 2 : inner;
  };
  tangents[0] = endTangent(p[0]!, p[1]!, tangents[1]!);
  tangents[p.length - 1] = endTangent(p.at(-2)!, p.at(-1)!, tangents[p.length - 2]!);
  let path = `M${num(p[0]!.x)},${num(p[0]!.y)}`;
  for (let i = 0; i < p.length - 1; i++) {
    const a = p[i]!;
    const b = p[i + 1]!;
    const dy = (b.y - a.y) / 3;
    path += ` C${num(a.x + dy * tangents[i]!)},${num(a.y + dy)} ${num(b.x - dy * tangents[i + 1]!)},${num(b.y - dy)} ${num(b.x)},${num(b.y)}`;
  }
  return path;
}

function stateShape(state: PlacedState): string {
  const colours = TYPE_COLOURS[state.type];
  const left = state.x - state.width / 2;
  const top = state.y - state.height / 2;
  const common = `fill="${colours.fill}" stroke="${colours.stroke}" stroke-width="1.6"`;
  if (state.type === 'Choice') {
    // A rectangle with its corners cut: the flowchart decision without the diamond's wasted space.
    const cut = 10;
    const right = left + state.width;
    const bottom = top + state.height;
    const d = `M${num(left + cut)},${num(top)} L${num(right - cut)},${num(top)} L${num(right)},${num(top + cut)} L${num(right)},${num(bottom - cut)} L${num(right - cut)},${num(bottom)} L${num(left + cut)},${num(bottom)} L${num(left)},${num(bottom - cut)} L${num(left)},${num(top + cut)} Z`;
    return `<path d="${d}" ${common}/>`;
  }
  // Succeed and Fail end the execution: rounder, with a heavier border.
  const terminal = state.type === 'Succeed' || state.type === 'Fail';
  return `<rect x="${num(left)}" y="${num(top)}" width="${num(state.width)}" height="${num(state.height)}" rx="${terminal ? 18 : 8}" fill="${colours.fill}" stroke="${colours.stroke}" stroke-width="${terminal ? 2.4 : 1.6}"/>`;
}

function retryIcon(x: number, y: number, colour: string): string {
  // A circular arrow, 10 px: an arc of three quarters and its head.
  return `<path d="M${num(x + 9)},${num(y + 5)} A4.5,4.5 0 1 1 ${num(x + 6.8)},${num(y + 1.2)}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-linecap="round"/><path d="M${num(x + 5.2)},${num(y - 0.6)} L${num(x + 8.6)},${num(y + 1.1)} L${num(x + 5.6)},${num(y + 3.4)} Z" fill="${colour}"/>`;
}

function renderState(state: PlacedState): string {
  const colours = TYPE_COLOURS[state.type];
  const left = state.x - state.width / 2;
  const top = state.y - state.height / 2;
  const parts: string[] = [];
  const description = [`${state.name}: ${typeLine(state)}`, state.comment].filter(Boolean).join('. ').replace(/\s+/g, ' ');
  parts.push(`<title>${escapeXml(description)}</title>`);
  parts.push(stateShape(state));
  let y = top + PAD_TOP + 14;
  parts.push(text(left + PAD_X, y, state.name, FONTS.stateName, INK));
  if (state.isEnd) {
    const chipX = left + state.width - PAD_X - CHIP.width;
    const chipY = top + PAD_TOP + 1;
    parts.push(
      `<g class="end-chip"><rect x="${num(chipX)}" y="${num(chipY)}" width="${CHIP.width}" height="${CHIP.height}" rx="7.5" fill="${INK}"/>` +
        text(chipX + CHIP.width / 2, chipY + 10.8, 'End', FONTS.chip, PAPER, ' text-anchor="middle"') +
        '</g>',
    );
  }
  y += TYPE_LINE;
  parts.push(text(left + PAD_X, y, typeLine(state), FONTS.stateType, colours.text, ' class="state-type"'));
  let badgeTop = top + PAD_TOP + NAME_LINE + TYPE_LINE;
  for (const badge of state.badges) {
    badgeTop += BADGE_GAP;
    const bx = left + PAD_X;
    const bw = state.width - 2 * PAD_X;
    const errors = badge.errors.join(' ');
    parts.push(
      `<g class="retry-badge" data-errors="${escapeXml(errors)}" data-max-attempts="${badge.maxAttempts}">` +
        `<rect x="${num(bx)}" y="${num(badgeTop)}" width="${num(bw)}" height="${num(badge.height)}" rx="6" fill="${RETRY.fill}" stroke="${RETRY.stroke}" stroke-width="1.1"/>` +
        retryIcon(bx + BADGE_PAD - 1, badgeTop + BADGE_PAD + 1.5, RETRY.stroke) +
        text(bx + BADGE_PAD + 13, badgeTop + BADGE_PAD + 9.5, `Retry, MaxAttempts ${badge.maxAttempts}`, FONTS.badgeTitle, RETRY.text) +
        badge.lines
          .map((line, i) => text(bx + BADGE_PAD, badgeTop + BADGE_PAD + BADGE_TITLE_LINE + 9 + i * BADGE_LINE, line, FONTS.badgeErrors, INK))
          .join('') +
        '</g>',
    );
    badgeTop += badge.height;
  }
  const classes = ['state', `state-${state.type.toLowerCase()}`, `lane-${state.lane}`, state.isStart ? 'start-state' : '', state.isEnd ? 'end-state' : '']
    .filter(Boolean)
    .join(' ');
  return `<g class="${classes}" data-state="${escapeXml(state.name)}" data-type="${state.type}">${parts.join('')}</g>`;
}

function renderEdge(edge: PlacedEdge, prefix: string): string {
  const colour = EDGE_COLOURS[edge.kind];
  const dash = edge.kind === 'catch' ? ' stroke-dasharray="6 4"' : '';
  const parts = [
    `<path d="${curvePath(edge.points)}" fill="none" stroke="${colour}" stroke-width="1.6"${dash} marker-end="url(#${prefix}-arrow-${edge.kind})"/>`,
  ];
  const errors = edge.errors ? ` data-errors="${escapeXml(edge.errors.join(' '))}"` : '';
  return `<g class="edge edge-${edge.kind}" data-edge="${escapeXml(edge.id)}" data-from="${escapeXml(edge.from)}" data-to="${escapeXml(edge.to)}" data-kind="${edge.kind}"${errors}>${parts.join('')}</g>`;
}

function renderEdgeLabel(edge: PlacedEdge): string {
  if (!edge.labelBox || edge.labelLines.length === 0) return '';
  const colour = EDGE_COLOURS[edge.kind];
  const { x, y, width, height } = edge.labelBox;
  const lines = edge.labelLines.map((line, i) =>
    text(x + width / 2, y + LABEL_PAD.y + 10.5 + i * EDGE_LABEL_LINE, line, FONTS.edgeLabel, colour, ' text-anchor="middle"'),
  );
  return (
    `<g class="edge-label edge-${edge.kind}" data-edge="${escapeXml(edge.id)}" data-from="${escapeXml(edge.from)}" data-to="${escapeXml(edge.to)}" data-kind="${edge.kind}">` +
    `<rect x="${num(x)}" y="${num(y)}" width="${num(width)}" height="${num(height)}" rx="4" fill="${PAPER}" stroke="${colour}" stroke-width="0.8" stroke-opacity="0.6"/>` +
    lines.join('') +
    '</g>'
  );
}

function markers(prefix: string): string {
  const kinds: Array<EdgeKind | 'start'> = ['start', 'next', 'default', 'choice', 'catch'];
  return kinds
    .map(
      (kind) =>
        `<marker id="${prefix}-arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 Z" fill="${EDGE_COLOURS[kind]}"/></marker>`,
    )
    .join('');
}

interface LegendItem {
  symbol: (x: number, y: number) => string;
  symbolWidth: number;
  label: string;
}

function legendItems(graph: WorkflowGraph, prefix: string): LegendItem[] {
  const types = STATE_TYPES.filter((type) => graph.states.some((state) => state.type === type));
  const swatch = (type: StateType) => (x: number, y: number) => {
    const c = TYPE_COLOURS[type];
    if (type === 'Choice') {
      return `<path d="M${num(x + 5)},${num(y - 8)} L${num(x + 23)},${num(y - 8)} L${num(x + 28)},${num(y - 3)} L${num(x + 28)},${num(y + 3)} L${num(x + 23)},${num(y + 8)} L${num(x + 5)},${num(y + 8)} L${num(x)},${num(y + 3)} L${num(x)},${num(y - 3)} Z" fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.6"/>`;
    }
    const rx = type === 'Fail' || type === 'Succeed' ? 8 : 4;
    return `<rect x="${num(x)}" y="${num(y - 8)}" width="28" height="16" rx="${rx}" fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.6"/>`;
  };
  const line = (kind: EdgeKind) => (x: number, y: number) =>
    `<path d="M${num(x)},${num(y)} L${num(x + 34)},${num(y)}" stroke="${EDGE_COLOURS[kind]}" stroke-width="1.6"${kind === 'catch' ? ' stroke-dasharray="6 4"' : ''} marker-end="url(#${prefix}-arrow-${kind})"/>`;
  const items: LegendItem[] = types.map((type) => ({ symbol: swatch(type), symbolWidth: 28, label: type }));
  items.push({ symbol: line('next'), symbolWidth: 38, label: 'Next' });
  if (graph.edges.some((edge) => edge.kind === 'choice' || edge.kind === 'default')) {
    items.push({ symbol: line('choice'), symbolWidth: 38, label: 'Choice rule / Default' });
  }
  items.push({ symbol: line('catch'), symbolWidth: 38, label: 'Catch, with its errors' });
  items.push({
    symbol: (x, y) =>
      `<rect x="${num(x)}" y="${num(y - 8)}" width="28" height="16" rx="5" fill="${RETRY.fill}" stroke="${RETRY.stroke}" stroke-width="1.1"/>` + retryIcon(x + 9, y - 4.5, RETRY.stroke),
    symbolWidth: 28,
    label: 'Retry: errors, MaxAttempts',
  });
  items.push({
    symbol: (x, y) =>
      `<rect x="${num(x)}" y="${num(y - 7.5)}" width="${CHIP.width}" height="${CHIP.height}" rx="7.5" fill="${INK}"/>` +
      text(x + CHIP.width / 2, y + 3.3, 'End', FONTS.chip, PAPER, ' text-anchor="middle"'),
    symbolWidth: CHIP.width,
    label: 'End: true',
  });
  return items;
}

/** The SVG document of a laid-out workflow: a self-contained picture with its own background and legend. */
export function renderWorkflowSvg(laid: WorkflowLayout, options: SvgOptions = {}): string {
  const prefix = options.idPrefix ?? 'wf';
  const headerLines: Array<{ text: string; font: Font; fill: string; height: number }> = [];
  if (options.title) headerLines.push({ text: options.title, font: FONTS.title, fill: INK, height: 24 });
  const contentWidth = Math.max(laid.width, 640);
  const subtitles = [options.subtitle, laid.graph.comment].filter((line): line is string => Boolean(line));
  for (const subtitle of subtitles) {
    for (const line of wrap(subtitle, FONTS.subtitle, contentWidth)) headerLines.push({ text: line, font: FONTS.subtitle, fill: MUTED, height: 17 });
  }
  const headerHeight = headerLines.reduce((sum, line) => sum + line.height, 0) + (headerLines.length ? 14 : 0);

  // Legend: items flow left to right and wrap.
  const items = legendItems(laid.graph, prefix);
  const rows: Array<Array<{ item: LegendItem; x: number }>> = [[]];
  let cursor = 0;
  for (const item of items) {
    const itemWidth = item.symbolWidth + 8 + textWidth(item.label, FONTS.legend);
    if (cursor > 0 && cursor + itemWidth > contentWidth) {
      rows.push([]);
      cursor = 0;
    }
    rows.at(-1)!.push({ item, x: cursor });
    cursor += itemWidth + 22;
  }
  const legendTop = MARGIN + headerHeight + laid.height + 22;
  const legendHeight = 30 + rows.length * 24;
  const width = Math.ceil(contentWidth + 2 * MARGIN);
  const height = Math.ceil(legendTop + legendHeight + MARGIN - 8);
  const ox = MARGIN + (contentWidth - laid.width) / 2;
  const oy = MARGIN + headerHeight;

  const out: string[] = [];
  const titleText = options.title ?? 'Workflow';
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${prefix}-title">`,
  );
  out.push(`<title id="${prefix}-title">${escapeXml(`${titleText}: ${laid.graph.states.length} states, ${laid.graph.edges.length} transitions`)}</title>`);
  out.push(`<defs>${markers(prefix)}</defs>`);
  out.push(`<rect class="background" x="0" y="0" width="${width}" height="${height}" rx="12" fill="${PAPER}" stroke="#d0d7de"/>`);
  let y = MARGIN;
  for (const line of headerLines) {
    y += line.height;
    out.push(text(MARGIN, y - (line.height - line.font.size) / 2 - 2, line.text, line.font, line.fill));
  }
  out.push(`<g class="workflow" transform="translate(${num(ox)},${num(oy)})">`);
  out.push('<g class="lanes">');
  for (const lane of laid.lanes) {
    const look = LANES[lane.id];
    out.push(
      `<g class="lane lane-${lane.id}" data-lane="${lane.id}"><rect x="${num(lane.x)}" y="${num(lane.y)}" width="${num(lane.width)}" height="${num(lane.height)}" rx="10" fill="${look.fill}" stroke="${look.stroke}"/>` +
        text(lane.x + lane.width / 2, lane.title.y - 2, look.title, FONTS.laneTitle, look.text, ' text-anchor="middle"') +
        text(lane.x + lane.width / 2, lane.title.y + 12, look.rule, FONTS.laneRule, MUTED, ' text-anchor="middle"') +
        '</g>',
    );
  }
  out.push('</g>');
  out.push('<g class="edges">');
  const start = laid.start;
  out.push(
    `<g class="edge edge-start" data-from="" data-to="${escapeXml(laid.graph.startAt)}" data-kind="start"><path d="${curvePath(laid.startEdge)}" fill="none" stroke="${EDGE_COLOURS.start}" stroke-width="1.6" marker-end="url(#${prefix}-arrow-start)"/></g>`,
  );
  for (const edge of laid.edges) out.push(renderEdge(edge, prefix));
  out.push('</g>');
  // Labels above every edge line, so no line runs across a label.
  out.push('<g class="edge-labels">');
  for (const edge of laid.edges) out.push(renderEdgeLabel(edge));
  out.push('</g>');
  out.push('<g class="states">');
  out.push(
    `<g class="start-marker"><rect x="${num(start.x - start.width / 2)}" y="${num(start.y - start.height / 2)}" width="${start.width}" height="${start.height}" rx="${start.height / 2}" fill="${INK}"/>` +
      text(start.x, start.y + 4.5, 'Start', { ...FONTS.stateType, weight: 'bold' }, PAPER, ' text-anchor="middle"') +
      '</g>',
  );
  for (const state of laid.states) out.push(renderState(state));
  out.push('</g>');
  out.push('</g>');
  // Legend.
  out.push(`<g class="legend" transform="translate(${MARGIN},${num(legendTop)})">`);
  out.push(`<rect x="-10" y="0" width="${num(contentWidth + 20)}" height="${num(legendHeight - 6)}" rx="8" fill="#f6f8fa" stroke="#d8dee4"/>`);
  rows.forEach((row, r) => {
    const rowY = 24 + r * 24;
    for (const { item, x } of row) {
      out.push(item.symbol(x + 4, rowY - 4));
      out.push(text(x + 4 + item.symbolWidth + 8, rowY, item.label, FONTS.legend, INK));
    }
  });
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Definition in, SVG document out: `workflowGraph`, `layoutWorkflow` and `renderWorkflowSvg` in one call. */
export function workflowSvg(definition: unknown, options: SvgOptions = {}): string {
  return renderWorkflowSvg(layoutWorkflow(workflowGraph(definition)), options);
}
