// What the deployed code can throw: the source files each function bundles (its handler and every relative import,
// followed transitively) and the `new <Name>(` expressions in them.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT, type ServerlessYaml } from './definition.ts';

/** The logical id serverless gives a function's AWS::Lambda::Function (`receiveOrder` -> `ReceiveOrderLambdaFunction`). */
export function lambdaLogicalId(functionName: string): string {
  const normalized = functionName.replaceAll('-', 'Dash').replaceAll('_', 'Underscore');
  return `${normalized.charAt(0).toUpperCase()}${normalized.slice(1)}LambdaFunction`;
}

export function functionNameForLogicalId(config: ServerlessYaml, logicalId: string): string {
  const name = Object.keys(config.functions).find((candidate) => lambdaLogicalId(candidate) === logicalId);
  if (!name) throw new Error(`No function in serverless.yml has the logical id ${logicalId}`);
  return name;
}

/** The handler's source file, relative to the repository (`functions/x/handler.handler` -> `functions/x/handler.ts`). */
export function handlerSourceFile(config: ServerlessYaml, functionName: string): string {
  const handler = config.functions[functionName]?.handler;
  if (!handler) throw new Error(`serverless.yml has no function ${functionName}`);
  const modulePath = handler.slice(0, handler.lastIndexOf('.'));
  const candidate = ['.ts', '.mts'].map((ext) => `${modulePath}${ext}`).find((file) => existsSync(join(REPO_ROOT, file)));
  if (!candidate) throw new Error(`No source file for handler ${handler}`);
  return candidate;
}

/** The function serving an HTTP method and path (as declared by its `http` events). */
export function functionForHttp(config: ServerlessYaml, method: string, path: string): string {
  const wanted = path.replace(/^\/+/, '');
  const matches = Object.entries(config.functions)
    .filter(([, fn]) =>
      (fn.events ?? []).some((event) => event.http && event.http.method.toUpperCase() === method.toUpperCase() && event.http.path.replace(/^\/+/, '') === wanted),
    )
    .map(([name]) => name);
  if (matches.length !== 1) throw new Error(`Expected one function for ${method} /${wanted}, found ${matches.join(', ') || 'none'}`);
  return matches[0]!;
}

/** Source without comments (so a `new X(` in a comment does not count); strings are left alone. */
function codeOf(file: string): string {
  return readFileSync(join(REPO_ROOT, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
}

const RUNTIME_IMPORT = /(?:^|[\s;])(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** The repository files a module pulls in at run time, itself included (type-only imports do not count). */
export function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of codeOf(file).matchAll(RUNTIME_IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      if (!specifier.startsWith('.')) continue; // a package: not our code
      const base = resolve(REPO_ROOT, dirname(file), specifier);
      const target = [base, `${base}.ts`, join(base, 'index.ts')].find((path) => existsSync(path) && path.endsWith('.ts'));
      if (!target) throw new Error(`${file}: cannot resolve import ${specifier}`);
      visit(relative(REPO_ROOT, target));
    }
  };
  visit(entry);
  return [...seen].sort();
}

/** The class names constructed with `new <Name>(` anywhere in these files. */
export function constructedClasses(files: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of files) for (const match of codeOf(file).matchAll(/\bnew\s+([A-Z][A-Za-z0-9_]*)\s*\(/g)) names.add(match[1]!);
  return names;
}
