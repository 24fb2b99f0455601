// What `node:http` resolves to in the Lambda bundles (serverless.yml, custom.esbuild.alias): Node's http module,
// required. An ES module import of `node:http` makes Node read every export of it once, and its lazy WebSocket,
// CloseEvent and MessageEvent getters then load undici (Node's fetch): 20-30 ms of every cold start, for exports
// nothing here uses. Powertools' tracer imports `node:http` so at load; required, it is only the http module.
module.exports = require('http');
