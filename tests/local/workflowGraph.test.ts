// The workflow picture (npm run graph): docs/order-pipeline.svg must be what the definition draws today, and it
// must show every state with its type, every transition (Next, Default, Choice rules, Catch) and every Retry.
// Expected values are read from the definition here, by the tests' own loader, not from the renderer.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PICTURE_FILE, renderPicture } from '../../local/commands/graph.ts';
import {
  WorkflowDefinitionError,
  layoutWorkflow,
  workflowGraph,
  workflowSvg,
  type PlacedState,
} from '../../local/console/workflowGraph.ts';
import { REPO_ROOT, loadDefinition, type State } from '../definition/definition.ts';

const definition = loadDefinition();
const states = Object.entries(definition.States);
const svg = renderPicture();
const lines = svg.split('\n');

const unescape = (text: string): string =>
  text.replace(/&(lt|gt|quot|#39|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[name]!);
const attribute = (line: string, name: string): string | undefined => {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(line);
  return match ? unescape(match[1]!) : undefined;
};
const texts = (fragment: string): string[] => [...fragment.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => unescape(m[1]!));

/** Each state, edge and edge label is one line of the SVG: `<g class="state …" data-state="…">…</g>`. */
const stateLine = (name: string): string => {
  const found = lines.filter((line) => line.startsWith('<g class="state ') && attribute(line, 'data-state') === name);
  expect(found, `one node for state ${name}`).toHaveLength(1);
  return found[0]!;
};
const edgeLines = lines.filter((line) => line.startsWith('<g class="edge ') && attribute(line, 'data-kind') !== 'start');
const labelOf = (edgeLine: string): string[] => {
  const id = attribute(edgeLine, 'data-edge');
  const label = lines.find((line) => line.startsWith('<g class="edge-label ') && attribute(line, 'data-edge') === id);
  return label ? texts(label) : [];
};

interface Transition {
  from: string;
  to: string;
  kind: 'next' | 'default' | 'choice' | 'catch';
  errors?: string[];
}

/** Every transition of the definition, counted from the ASL itself. */
function transitions(): Transition[] {
  return states.flatMap(([from, state]: [string, State]) => [
    ...(state.Next ? [{ from, to: state.Next, kind: 'next' as const }] : []),
    ...(state.Default ? [{ from, to: state.Default, kind: 'default' as const }] : []),
    ...(state.Choices ?? []).map((rule) => ({ from, to: rule.Next, kind: 'choice' as const })),
    ...(state.Catch ?? []).map((catcher) => ({ from, to: catcher.Next, kind: 'catch' as const, errors: catcher.ErrorEquals })),
  ]);
}

describe('docs/order-pipeline.svg', () => {
  it('is what workflows/order-pipeline.asl.yml draws today (if not: run npm run graph)', () => {
    const committed = readFileSync(join(REPO_ROOT, PICTURE_FILE), 'utf8');
    expect(committed === svg, `${PICTURE_FILE} is stale: run npm run graph and commit it`).toBe(true);
  });

  it('is byte-identical every time it is drawn from the same definition', () => {
    expect(renderPicture()).toBe(svg);
    expect(workflowSvg(structuredClone(definition))).toBe(workflowSvg(structuredClone(definition)));
  });

  it('is a self-contained SVG: its own background, fonts declared, nothing fetched', () => {
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/);
    expect(lines.some((line) => line.startsWith('<rect class="background"') && line.includes('fill="#ffffff"'))).toBe(true);
    expect(svg).not.toMatch(/@import|@font-face|href="http|url\(http/);
    expect(svg).toContain('font-family="Helvetica, Arial');
  });
});

describe('the picture of the real definition', () => {
  it('draws every state once, with its type', () => {
    expect(lines.filter((line) => line.startsWith('<g class="state '))).toHaveLength(states.length);
    for (const [name, state] of states) {
      const line = stateLine(name);
      expect(attribute(line, 'data-type')).toBe(state.Type);
      expect(attribute(line, 'class')).toContain(`state-${state.Type.toLowerCase()}`);
      expect(texts(line)[0]).toBe(name);
    }
  });

  it('names what each Task calls, and each Fail its error', () => {
    // The integration a Task's Resource names (Step Functions developer guide, "Integrating services").
    const expectedTypeLine = (state: State): string => {
      if (state.Type === 'Fail') return `Fail · ${state.Error}`;
      if (state.Type !== 'Task') return state.Type;
      const resource = state.Resource;
      if (resource === 'arn:aws:states:::lambda:invoke') return 'Task · Lambda';
      if (resource === 'arn:aws:states:::apigateway:invoke') return `Task · API Gateway ${state.Parameters?.Method} ${state.Parameters?.Path}`;
      const dynamo = /^arn:aws:states:::dynamodb:(\w+)$/.exec(resource ?? '');
      if (dynamo) return `Task · DynamoDB ${dynamo[1]}`;
      throw new Error(`this test does not know Resource ${resource}: add it`);
    };
    for (const [name, state] of states) expect(texts(stateLine(name)), name).toContain(expectedTypeLine(state));
    expect(texts(stateLine('ValidatePayment'))).toContain('Task · API Gateway POST /payments/validate');
    expect(texts(stateLine('MarkFailed'))).toContain('Task · DynamoDB updateItem');
    expect(texts(stateLine('RejectOrFail'))).toContain('Choice');
  });

  it('draws every Next, Default, Choice rule and Catch as an edge between the right states', () => {
    const expected = transitions().map((t) => `${t.from} -${t.kind}-> ${t.to}`).sort();
    const drawn = edgeLines.map((line) => `${attribute(line, 'data-from')} -${attribute(line, 'data-kind')}-> ${attribute(line, 'data-to')}`).sort();
    expect(expected.length).toBeGreaterThan(15);
    expect(drawn).toEqual(expected);
    const start = lines.filter((line) => attribute(line, 'data-kind') === 'start');
    expect(start.map((line) => attribute(line, 'data-to'))).toEqual([definition.StartAt]);
  });

  it('dashes Catch edges and labels them with their error names; Next edges are solid and unlabelled', () => {
    for (const transition of transitions()) {
      const line = edgeLines.find(
        (candidate) =>
          attribute(candidate, 'data-from') === transition.from &&
          attribute(candidate, 'data-to') === transition.to &&
          attribute(candidate, 'data-kind') === transition.kind,
      )!;
      if (transition.kind === 'catch') {
        expect(line, `${transition.from} catch`).toContain('stroke-dasharray');
        expect(attribute(line, 'data-errors')).toBe(transition.errors!.join(' '));
        expect(labelOf(line).join(' ')).toBe(transition.errors!.join(', '));
      } else {
        expect(line, `${transition.from} ${transition.kind}`).not.toContain('stroke-dasharray');
      }
      if (transition.kind === 'next') expect(labelOf(line)).toEqual([]);
    }
  });

  it('labels each Choice rule with its condition and the Default as such', () => {
    for (const [from, state] of states.filter(([, s]) => s.Type === 'Choice')) {
      for (const rule of state.Choices!) {
        const line = edgeLines.find((l) => attribute(l, 'data-from') === from && attribute(l, 'data-to') === rule.Next && attribute(l, 'data-kind') === 'choice')!;
        expect(rule.StringEquals, 'this test reads StringEquals rules only').toBeTypeOf('string');
        expect(labelOf(line).join(' ')).toBe(`${rule.Variable} == "${rule.StringEquals}"`);
      }
      const fallback = edgeLines.find((l) => attribute(l, 'data-from') === from && attribute(l, 'data-kind') === 'default')!;
      expect(attribute(fallback, 'data-to')).toBe(state.Default);
      expect(labelOf(fallback)).toEqual(['Default']);
    }
    expect(svg).toContain('$.Error == &quot;OutOfStock&quot;');
  });

  it('shows each Retry as a badge on its state, with its errors and MaxAttempts', () => {
    const retrying = states.filter(([, state]) => (state.Retry ?? []).length > 0);
    expect(retrying.length).toBeGreaterThan(5);
    for (const [name, state] of states) {
      const badges = [...stateLine(name).matchAll(/<g class="retry-badge"[^>]*>.*?<\/g>/g)].map((m) => m[0]);
      expect(badges, name).toHaveLength(state.Retry?.length ?? 0);
      (state.Retry ?? []).forEach((retrier, i) => {
        const badge = badges[i]!;
        const maxAttempts = retrier.MaxAttempts ?? 3; // the ASL default (States Language spec, "Retrying after error")
        expect(attribute(badge, 'data-max-attempts')).toBe(String(maxAttempts));
        expect(attribute(badge, 'data-errors')).toBe(retrier.ErrorEquals.join(' '));
        const [title, ...errorLines] = texts(badge);
        expect(title).toBe(`Retry, MaxAttempts ${maxAttempts}`);
        expect(errorLines.join(' ')).toBe(retrier.ErrorEquals.join(', '));
      });
    }
  });

  it('marks End: true on the states that end the execution', () => {
    for (const [name, state] of states) {
      const line = stateLine(name);
      expect(line.includes('class="end-chip"'), name).toBe(state.End === true);
      expect(attribute(line, 'class')!.split(' ').includes('end-state'), name).toBe(state.End === true);
    }
  });

  it('puts compensation in its own lane: exactly the steps that undo work and can end in OrderFailed', () => {
    const lane = (name: string) => /\blane-(\w+)\b/.exec(attribute(stateLine(name), 'class')!)![1];
    const compensation = states.map(([name]) => name).filter((name) => lane(name) === 'compensation');
    expect(compensation).toEqual(['ReleaseStock', 'VoidPayment', 'RejectOrFail', 'MarkFailed', 'NotifyFailure', 'OrderFailed']);
    expect(['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'SendConfirmation'].map(lane)).toEqual(['main', 'main', 'main', 'main']);
    expect(['RejectOrder', 'RecordRejectionFailure', 'RecordConfirmationFailure'].map(lane)).toEqual(['handled', 'handled', 'handled']);
    for (const id of ['main', 'handled', 'compensation']) expect(lines.some((l) => l.startsWith(`<g class="lane lane-${id}"`))).toBe(true);
  });

  it('has a legend for the state types, the edge kinds and the retry badge', () => {
    const legend = svg.slice(svg.indexOf('<g class="legend"'));
    for (const item of ['Task', 'Choice', 'Fail', 'Next', 'Choice rule / Default', 'Catch, with its errors', 'Retry: errors, MaxAttempts', 'End: true']) {
      expect(texts(legend)).toContain(item);
    }
  });
});

describe('the layout', () => {
  const laid = layoutWorkflow(workflowGraph(definition));
  type Box = { x: number; y: number; width: number; height: number };
  const rect = (s: PlacedState): Box => ({ x: s.x - s.width / 2, y: s.y - s.height / 2, width: s.width, height: s.height });
  const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const inset = (b: Box, by: number): Box => ({ x: b.x + by, y: b.y + by, width: b.width - 2 * by, height: b.height - 2 * by });
  const labelBoxes = laid.edges.flatMap((edge) => (edge.labelBox ? [{ id: edge.id, box: edge.labelBox }] : []));

  it('overlaps no two states, no label with a state, no two labels', () => {
    for (const [i, a] of laid.states.entries()) {
      for (const b of laid.states.slice(i + 1)) expect(overlap(rect(a), rect(b)), `${a.name} / ${b.name}`).toBe(false);
      for (const label of labelBoxes) expect(overlap(rect(a), label.box), `${a.name} / label of ${label.id}`).toBe(false);
    }
    for (const [i, a] of labelBoxes.entries()) {
      for (const b of labelBoxes.slice(i + 1)) expect(overlap(a.box, b.box), `labels of ${a.id} / ${b.id}`).toBe(false);
    }
  });

  it('starts each edge on its source and ends it on its target, crossing no other state', () => {
    const byName = new Map(laid.states.map((state) => [state.name, state]));
    const onBorder = (p: { x: number; y: number }, b: Box) =>
      p.x >= b.x - 1 && p.x <= b.x + b.width + 1 && p.y >= b.y - 1 && p.y <= b.y + b.height + 1 && !overlap({ x: p.x, y: p.y, width: 0.01, height: 0.01 }, inset(b, 1));
    // Does the segment a-b pass through box? (Liang-Barsky clipping.)
    const crosses = (a: { x: number; y: number }, b: { x: number; y: number }, box: Box) => {
      let t0 = 0;
      let t1 = 1;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      for (const [p, q] of [[-dx, a.x - box.x], [dx, box.x + box.width - a.x], [-dy, a.y - box.y], [dy, box.y + box.height - a.y]] as const) {
        if (p === 0) {
          if (q < 0) return false;
        } else {
          const t = q / p;
          if (p < 0) t0 = Math.max(t0, t);
          else t1 = Math.min(t1, t);
          if (t0 > t1) return false;
        }
      }
      return true;
    };
    for (const edge of laid.edges) {
      expect(onBorder(edge.points[0]!, rect(byName.get(edge.from)!)), `${edge.id} starts on ${edge.from}`).toBe(true);
      expect(onBorder(edge.points.at(-1)!, rect(byName.get(edge.to)!)), `${edge.id} ends on ${edge.to}`).toBe(true);
      for (const state of laid.states) {
        if (state.name === edge.from || state.name === edge.to) continue;
        for (let i = 0; i < edge.points.length - 1; i++) {
          expect(crosses(edge.points[i]!, edge.points[i + 1]!, inset(rect(state), 2)), `${edge.id} crosses ${state.name}`).toBe(false);
        }
      }
    }
  });

  it('keeps the main path one straight column, top to bottom', () => {
    const spine = ['ReceiveOrder', 'ValidatePayment', 'UpdateStock', 'SendConfirmation'].map((name) => laid.states.find((s) => s.name === name)!);
    expect(new Set(spine.map((state) => Math.round(state.x))).size).toBe(1);
    expect(spine.map((state) => state.y)).toEqual([...spine.map((state) => state.y)].sort((a, b) => a - b));
  });
});

describe('lanes, derived from the graph', () => {
  it('puts the Next chain from StartAt in the main lane, states that can end in a Fail in compensation, the rest in handled', () => {
    const graph = workflowGraph({
      StartAt: 'Do',
      States: {
        Do: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sqs:sendMessage',
          Catch: [
            { ErrorEquals: ['Known'], Next: 'Explain' },
            { ErrorEquals: ['States.ALL'], Next: 'Undo' },
          ],
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
        Explain: { Type: 'Pass', End: true },
        Undo: { Type: 'Wait', Seconds: 5, Next: 'Decide' },
        Decide: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericLessThan: 3, Next: 'Explain' }], Default: 'Failed' },
        Failed: { Type: 'Fail', Error: 'Broken' },
      },
    });
    expect(Object.fromEntries(graph.states.map((state) => [state.name, state.lane]))).toEqual({
      Do: 'main',
      Done: 'main',
      Explain: 'handled',
      Undo: 'compensation',
      Decide: 'compensation',
      Failed: 'compensation',
    });
    expect(graph.states.find((state) => state.name === 'Do')!.detail).toBe('SQS sendMessage');
    expect(graph.edges.find((edge) => edge.kind === 'choice')!.label).toBe('$.n < 3');
    const picture = workflowSvg({ StartAt: 'Do', States: { Do: { Type: 'Pass', Next: 'Done' }, Done: { Type: 'Succeed' } } });
    expect(picture).toContain('<g class="state state-pass lane-main start-state" data-state="Do" data-type="Pass">');
    expect(picture).toContain('<g class="state state-succeed lane-main" data-state="Done" data-type="Succeed">');
  });
});

describe('bad input', () => {
  const fails = (input: unknown) => {
    try {
      workflowGraph(input);
    } catch (error) {
      expect(error).toBeInstanceOf(WorkflowDefinitionError);
      expect((error as Error).name).toBe('WorkflowDefinitionError');
      return (error as Error).message;
    }
    throw new Error('expected a WorkflowDefinitionError');
  };

  it('refuses what is not an ASL state machine', () => {
    for (const input of [null, 'StartAt', [], {}, { StartAt: 'A' }, { StartAt: 'A', States: [] }]) {
      expect(fails(input)).toMatch(/not an Amazon States Language definition: expected an object with StartAt .* and States/);
    }
    expect(fails({ StartAt: 'A', States: {} })).toMatch(/States is empty/);
    expect(fails({ StartAt: 'B', States: { A: { Type: 'Succeed' } } })).toBe('StartAt "B" is not a state of this definition');
  });

  it('names the state and field of a transition to a missing state', () => {
    expect(fails({ StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } })).toBe('state "A": Next "Nowhere" is not a state of this definition');
    expect(
      fails({ StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true, Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Gone' }] } } }),
    ).toBe('state "A": Catch[0].Next "Gone" is not a state of this definition');
    expect(fails({ StartAt: 'A', States: { A: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'Z' }] } } })).toBe(
      'state "A": Choices[0].Next "Z" is not a state of this definition',
    );
    expect(fails({ StartAt: 'A', States: { A: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'A' }], Default: 'Z' } } })).toBe(
      'state "A": Default "Z" is not a state of this definition',
    );
  });

  it('refuses unknown types, dangling states, empty Choices and malformed Retry and Catch', () => {
    expect(fails({ StartAt: 'A', States: { A: { Type: 'Sleep', End: true } } })).toMatch(/^state "A": Type "Sleep" is not an ASL state type/);
    expect(fails({ StartAt: 'A', States: { A: 'Pass' } })).toBe('state "A" is not an object');
    expect(fails({ StartAt: 'A', States: { A: { Type: 'Pass' } } })).toBe('state "A": a Pass state needs Next or End: true');
    expect(fails({ StartAt: 'A', States: { A: { Type: 'Choice', Choices: [] } } })).toBe('state "A": a Choice state needs a non-empty Choices list');
    expect(fails({ StartAt: 'A', States: { A: { Type: 'Choice', Choices: [{ Variable: '$.x', Next: 'A' }] } } })).toMatch(/Choices\[0\]: no comparison operator/);
    expect(fails({ StartAt: 'A', States: { A: { Type: 'Pass', End: true, Retry: [{ ErrorEquals: [] }] } } })).toBe(
      'state "A": Retry[0].ErrorEquals must be a non-empty list of error names',
    );
    expect(fails({ StartAt: 'A', States: { A: { Type: 'Pass', End: true, Retry: [{ ErrorEquals: ['X'], MaxAttempts: -1 }] } } })).toBe(
      'state "A": Retry[0].MaxAttempts must be a non-negative integer',
    );
    expect(fails({ StartAt: 'A', States: { A: { Type: 'Pass', End: true, Catch: { ErrorEquals: ['X'], Next: 'A' } } } })).toBe('state "A": Catch must be a list of objects');
  });
});

describe('the code the console reuses', () => {
  it('is pure: no node: imports, no process, no file system', () => {
    const source = readFileSync(join(REPO_ROOT, 'local/console/workflowGraph.ts'), 'utf8');
    expect(source).not.toMatch(/from ['"]node:|require\(|\bprocess\.|\bfs\b/);
  });
});

describe('npm run graph', () => {
  const dir = mkdtempSync(join(tmpdir(), 'workflow-graph-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'local/commands/graph.ts', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });

  it('writes --out FILE, then --check passes on it and fails (exit 1) once it differs', () => {
    const out = join(dir, 'picture.svg');
    const wrote = run('--out', out);
    expect(wrote.status, wrote.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(svg);
    expect(run('--out', out, '--check').status).toBe(0);
    writeFileSync(out, svg.replace('ReceiveOrder', 'ReceiveOrders'));
    const stale = run('--out', out, '--check');
    expect(stale.status).toBe(1);
    expect(stale.stderr).toMatch(/^npm run graph: .*picture\.svg is stale: run npm run graph to redraw it from workflows\/order-pipeline\.asl\.yml\n$/);
    const missing = run('--out', join(dir, 'none.svg'), '--check');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('none.svg is missing');
  }, 60_000);

  it('refuses an unknown flag with exit 2 and the usage', () => {
    const bad = run('--colour');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^npm run graph: Unknown option '--colour'.*\(usage: npm run graph \[-- --out FILE\] \[--check\]\)\n$/);
  });
});
