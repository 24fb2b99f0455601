// One cold start: a fresh Node process imports a handler module (argv[2], a file: URL) and reports how long the
// import took - the module's initialisation: parsing, the source map (NODE_OPTIONS=--enable-source-maps, as on
// AWS), and everything its top level runs, SDK clients included. Nothing is imported before the clock starts, so
// nothing is preloaded for the handler. argv[3] names the export that must be a function (the handler).
const [url, exportName] = process.argv.slice(2);
const cpuBefore = process.cpuUsage();
const started = performance.now();
const module = await import(url);
const initMs = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
if (typeof module[exportName] !== 'function') {
  process.stderr.write(`${url} exports no function ${exportName}\n`);
  process.exit(3);
}
process.stdout.write(JSON.stringify({ initMs, cpuMs: (cpu.user + cpu.system) / 1000, sinceProcessStartMs: performance.now() }));
process.exit(0);
