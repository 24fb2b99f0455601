// The console page's files, built once per process into memory: index.html and styles.css as written, and the
// browser code (app.ts with workflowGraph.ts, the same picture `npm run graph` draws, and dagre) bundled by esbuild.
// Nothing is fetched from anywhere else: the page works with no network beyond 127.0.0.1.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface ConsoleAsset {
  contentType: string;
  body: string;
}

let built: Promise<Map<string, ConsoleAsset>> | undefined;

async function build(): Promise<Map<string, ConsoleAsset>> {
  // Imported here, not at the top: the stack starts without esbuild, and only a console visit pays for it.
  const { build: esbuild } = await import('esbuild');
  const [bundle, html, css] = await Promise.all([
    esbuild({
      entryPoints: [join(HERE, 'app.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
    }),
    readFile(join(HERE, 'index.html'), 'utf8'),
    readFile(join(HERE, 'styles.css'), 'utf8'),
  ]);
  const script = bundle.outputFiles[0];
  if (!script) throw new Error('esbuild produced no bundle for local/console/app.ts');
  return new Map([
    ['/', { contentType: 'text/html; charset=utf-8', body: html }],
    ['/_console/app.js', { contentType: 'text/javascript; charset=utf-8', body: script.text }],
    ['/_console/app.css', { contentType: 'text/css; charset=utf-8', body: css }],
  ]);
}

/** The assets by path; the first call builds them, a failed build is retried on the next call. */
export function consoleAssets(): Promise<Map<string, ConsoleAsset>> {
  built ??= build().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}
