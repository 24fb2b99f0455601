// npm run graph [-- --out FILE] [--check]
// Draws the workflow from workflows/order-pipeline.asl.yml itself into docs/order-pipeline.svg. With --check it
// writes nothing and exits 1 when the file on disk differs from what the definition draws (0 when it is fresh).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument, type CollectionTag, type ScalarTag } from 'yaml';
import { workflowSvg } from '../console/workflowGraph.ts';
import { commandFailure, parseStrictFlags, type Fail } from './cli.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEFINITION_FILE = 'workflows/order-pipeline.asl.yml';
export const PICTURE_FILE = 'docs/order-pipeline.svg';

const USAGE = 'usage: npm run graph [-- --out FILE] [--check]';

// CloudFormation short forms (`!GetAtt X.Arn`, `!Ref X`, `!Join [...]`) stay as their long-form objects:
// the picture never needs their values, only the states around them.
const INTRINSICS = ['Ref', 'GetAtt', 'Sub', 'Join', 'Select', 'Split', 'If', 'Equals', 'And', 'Or', 'Not', 'FindInMap', 'ImportValue', 'GetAZs', 'Base64', 'Cidr', 'Condition'];
const longName = (name: string): string => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);
const CLOUDFORMATION_TAGS: Array<ScalarTag | CollectionTag> = INTRINSICS.flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => ({ [longName(name)]: value }) } satisfies ScalarTag,
  { tag: `!${name}`, collection: 'seq', resolve: (node) => ({ [longName(name)]: node.toJSON() }) } satisfies CollectionTag,
  { tag: `!${name}`, collection: 'map', resolve: (node) => ({ [longName(name)]: node.toJSON() }) } satisfies CollectionTag,
]);

/** The ASL definition file as data; a YAML problem or an unknown tag throws with the file's name. */
export function readDefinition(file = join(REPO_ROOT, DEFINITION_FILE)): unknown {
  const document = parseDocument(readFileSync(file, 'utf8'), { customTags: CLOUDFORMATION_TAGS });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) throw new Error(`${relative(REPO_ROOT, file)}: ${problems.map((problem) => problem.message).join('; ')}`);
  return document.toJS();
}

/** The picture of the definition, exactly as `npm run graph` writes it. */
export function renderPicture(definition = readDefinition()): string {
  return workflowSvg(definition, {
    title: 'order-pipeline: the state machine',
    subtitle: `Drawn from ${DEFINITION_FILE} by npm run graph; do not edit by hand.`,
  });
}

function main(): void {
  const fail: Fail = commandFailure('npm run graph');
  const values = parseStrictFlags({ out: { type: 'string' }, check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, USAGE, fail);
  if (values.help) {
    process.stdout.write(
      `${USAGE}\n  --out FILE  where to write the SVG (default ${PICTURE_FILE})\n` +
        '  --check     write nothing; exit 1 if the file is not what the definition draws\n',
    );
    process.exit(0);
  }
  if (values.out === '') fail('--out needs a file name', 2);
  const out = resolve(values.out ?? join(REPO_ROOT, PICTURE_FILE));
  let svg: string;
  try {
    svg = renderPicture();
  } catch (error) {
    fail((error as Error).message, 2);
  }
  const inside = relative(process.cwd(), out);
  const shown = inside && !inside.startsWith('..') ? inside : out;
  if (values.check) {
    let current: string | undefined;
    try {
      current = readFileSync(out, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === svg) {
      process.stdout.write(`${shown} is up to date with ${DEFINITION_FILE}\n`);
      return;
    }
    fail(`${shown} is ${current === undefined ? 'missing' : 'stale'}: run npm run graph to redraw it from ${DEFINITION_FILE}`, 1);
  }
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, svg);
  } catch (error) {
    fail(`cannot write ${shown}: ${(error as Error).message}`, 2);
  }
  process.stdout.write(`wrote ${shown} from ${DEFINITION_FILE}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
