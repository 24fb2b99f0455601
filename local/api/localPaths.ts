// The local-only paths next to the API (GET /_local/...): executions, the outbox, the consistency check.
import type { ConsistencyReport } from '../consistency/snapshot.ts';
import type { ExecutionRecord, ExecutionRegistry } from '../engine/executions.ts';
import type { Outbox } from '../stack/outbox.ts';
import type { ApiResponse, LocalPaths } from './apiGateway.ts';

function executionView(record: ExecutionRecord) {
  const parse = (text: string | undefined) => {
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };
  return {
    executionArn: record.executionArn,
    name: record.name,
    status: record.status,
    startDate: record.startDate.toISOString(),
    ...(record.stopDate ? { stopDate: record.stopDate.toISOString() } : {}),
    input: parse(record.input),
    ...(record.output !== undefined ? { output: parse(record.output) } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
    // The one history format: GetExecutionHistory's events (ISO timestamps here; the AWS endpoint sends epoch seconds).
    history: record.history,
  };
}

function json(statusCode: number, body: unknown): ApiResponse {
  return { statusCode, headers: { 'Content-Type': ['application/json'] }, body: `${JSON.stringify(body, null, 2)}\n` };
}

export function localPaths(outbox: Outbox, registry: ExecutionRegistry, consistency: () => Promise<ConsistencyReport>): LocalPaths {
  return {
    handle(method, path, query) {
      if (!path.startsWith('/_local/')) return undefined;
      if (method !== 'GET') return json(405, { message: 'Only GET is supported on /_local paths' });
      if (path === '/_local/consistency') {
        return consistency().then(
          (report) => json(200, report),
          (error: unknown) => json(500, { message: `consistency check failed: ${(error as Error).message}` }),
        );
      }
      if (path === '/_local/outbox') {
        const orderId = query.get('orderId');
        return json(200, { messages: orderId ? outbox.forOrder(orderId) : outbox.messages });
      }
      if (path === '/_local/executions') {
        return json(200, {
          executions: registry.list().map(({ name, status, startDate, stopDate }) => ({
            name,
            status,
            startDate: startDate.toISOString(),
            ...(stopDate ? { stopDate: stopDate.toISOString() } : {}),
          })),
        });
      }
      const match = /^\/_local\/executions\/([^/]+)$/.exec(path);
      if (match) {
        const name = decodeURIComponent(match[1]!);
        const record = registry.get(name);
        return record ? json(200, executionView(record)) : json(404, { message: `No execution named ${name}` });
      }
      return json(404, { message: `Unknown local path ${path}; try /_local/outbox, /_local/executions/{orderId} or /_local/consistency` });
    },
  };
}

