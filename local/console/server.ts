// The local console's server side: the page at `/`, its assets under /_console/, and its JSON API under
// /_console/api/ (executions listed and filtered, one execution with its history, its order's records, Stop,
// Redrive, Export, live changes by long polling). It sits in front of the /_local paths on the local API's port and reads
// the running stack's own objects (the execution registry, the outbox, the tables); nothing of it is deployed.
//
// Errors have the API's shape, `{ error, message, details? }`, and name the field that is wrong.
import { randomUUID } from 'node:crypto';
import { GetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApiResponse, LocalPaths } from '../api/apiGateway.ts';
import { redriveStatus, StepFunctionsError, type ExecutionRecord } from '../engine/executions.ts';
import type { HistoryEvent } from '../engine/executionHistory.ts';
import { resumePoint } from '../engine/stepFunctions.ts';
import type { LocalStack } from '../stack/stack.ts';
import { consoleAssets, type ConsoleAsset } from './assets.ts';
import {
  buildExecutionView,
  EXECUTION_STATUSES,
  ORDER_PATHS,
  type ExecutionStatus,
  type OrderPath,
} from './executionModel.ts';

export const CONSOLE_PREFIX = '/_console/';
export const CONSOLE_API_PREFIX = '/_console/api/';
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** How long a `changes` request waits for something to change before it answers "nothing new". */
export const LONG_POLL_MS = 20_000;
/** How often, while someone waits, the registry is looked at for changes. */
const CHANGE_TICK_MS = 100;
/** A `changes` answer names at most this many executions; past that it says `all`. */
const MAX_CHANGED_NAMES = 200;
/** StopExecution's limits on `error` and `cause` (Step Functions API reference, StopExecution). */
const MAX_STOP_ERROR = 256;
const MAX_STOP_CAUSE = 32_768;
const MAX_SEARCH = 80;
/** RedriveExecution's clientToken: the ClientToken shape of AWS's service model (1-64 characters of [!-~]). */
const CLIENT_TOKEN = /^[!-~]{1,64}$/;

/** The card tokens the place-order form offers, with what the payment simulator does with each (domain/payments.ts). */
export const CARD_TOKENS = [
  { token: 'tok_visa', label: 'Visa, approved', outcome: 'success' },
  { token: 'tok_chargeDeclined', label: 'Card declined', outcome: 'decline' },
  { token: 'tok_chargeDeclinedProcessingError', label: 'Provider processing error (transient, retried)', outcome: 'provider failure' },
] as const;

export interface ExecutionSummary {
  name: string;
  executionArn: string;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  durationMs: number;
  path: OrderPath;
  transitions: number;
  currentState?: string;
}

/**
 * DescribeExecution's redrive members (redriveStatusReason only when NOT_REDRIVABLE, as AWS answers), and where a
 * redrive would resume while the execution can be redriven.
 */
export interface ExecutionRedrive {
  redriveCount: number;
  redriveDate?: string;
  redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE';
  redriveStatusReason?: string;
  /** The state a redrive resumes at (the one the execution stopped in). */
  redriveFrom?: string;
}

export interface ExecutionDetail extends ExecutionSummary, ExecutionRedrive {
  stateMachineArn: string;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
}

export interface ExecutionsPage {
  total: number;
  page: number;
  pageSize: number;
  pages: number;
  /** Every execution's count by status, whatever the filter. */
  counts: Record<ExecutionStatus, number> & { ALL: number };
  items: ExecutionSummary[];
}

/** One field's problem, as the API's `details` list it. */
interface FieldProblem {
  path: string;
  message: string;
}

class ConsoleRequestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorName: string,
    message: string,
    readonly details?: FieldProblem[],
    readonly headers: Record<string, string[]> = {},
  ) {
    super(message);
  }
}

const invalid = (what: string, problems: FieldProblem[]) =>
  new ConsoleRequestError(400, 'ValidationError', `${what}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, problems);

function json(statusCode: number, body: unknown, headers: Record<string, string[]> = {}): ApiResponse {
  return {
    statusCode,
    headers: { 'Content-Type': ['application/json'], 'Cache-Control': ['no-store'], ...headers },
    body: `${JSON.stringify(body)}\n`,
  };
}

function errorResponse(error: ConsoleRequestError): ApiResponse {
  return json(error.statusCode, { error: error.errorName, message: error.message, ...(error.details ? { details: error.details } : {}) }, error.headers);
}

// --- query validation ---------------------------------------------------------------------------------------

type QuerySpec = Record<string, (value: string, field: string) => FieldProblem | undefined>;

/** Checks the query against `spec`: an unknown or repeated parameter, or a bad value, is a 400 naming it. */
function checkQuery(query: URLSearchParams, spec: QuerySpec): Record<string, string> {
  const problems: FieldProblem[] = [];
  const values: Record<string, string> = {};
  for (const name of new Set(query.keys())) {
    const field = `query.${name}`;
    const check = spec[name];
    if (!check) {
      const known = Object.keys(spec);
      problems.push({ path: field, message: `is not a parameter of this path${known.length ? ` (it takes ${known.join(', ')})` : ' (it takes none)'}` });
      continue;
    }
    const all = query.getAll(name);
    if (all.length > 1) {
      problems.push({ path: field, message: 'is given more than once' });
      continue;
    }
    const problem = check(all[0]!, field);
    if (problem) problems.push(problem);
    else values[name] = all[0]!;
  }
  if (problems.length > 0) throw invalid('Invalid query', problems);
  return values;
}

const wholeNumber =
  (min: number, max: number) =>
  (value: string, path: string): FieldProblem | undefined =>
    /^\d{1,9}$/.test(value) && Number(value) >= min && Number(value) <= max ? undefined : { path, message: `must be a whole number from ${min} to ${max}, got "${value}"` };

const oneOf =
  (allowed: readonly string[]) =>
  (value: string, path: string): FieldProblem | undefined =>
    allowed.includes(value) ? undefined : { path, message: `must be one of ${allowed.join(', ')}, got "${value}"` };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;

const searchText = (value: string, path: string): FieldProblem | undefined =>
  value.length > MAX_SEARCH ? { path, message: `must be at most ${MAX_SEARCH} characters` } : CONTROL.test(value) ? { path, message: 'must not contain control characters' } : undefined;

const clientToken = (value: string, path: string): FieldProblem | undefined =>
  CLIENT_TOKEN.test(value) ? undefined : { path, message: 'must be 1-64 printable ASCII characters without spaces (RedriveExecution\'s clientToken)' };

const boundedText =
  (max: number) =>
  (value: string, path: string): FieldProblem | undefined =>
    value.length > max ? { path, message: `must be at most ${max} characters` } : undefined;

/**
 * An execution name in a path: Step Functions' rule for names (1-80 characters, none of whitespace, wildcards,
 * brackets, control characters and the punctuation StartExecution refuses; see ExecutionRegistry).
 */
function executionName(raw: string): string {
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    throw invalid('Invalid execution name', [{ path: 'path.name', message: 'is not valid percent-encoding' }]);
  }
  // eslint-disable-next-line no-control-regex
  if (name.length < 1 || name.length > 80 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u.test(name)) {
    throw invalid('Invalid execution name', [
      { path: 'path.name', message: 'must be an execution name: 1-80 characters, no whitespace, control characters or any of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /' },
    ]);
  }
  return name;
}

// --- the server ----------------------------------------------------------------------------------------------

interface SummaryCacheEntry {
  signature: string;
  summary: ExecutionSummary;
}

interface ChangeWaiter {
  since: number;
  resolve: (response: ApiResponse) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Everything the console reads, as the running stack has it. */
export type ConsoleStack = Pick<LocalStack, 'executions' | 'outbox' | 'stepFunctions' | 'inventory' | 'order' | 'tables' | 'dynamodb' | 'resolver'>;

export class LocalConsole implements LocalPaths {
  /** Sent with every Stop and Redrive: a page of another site cannot read it, so it cannot stop or redrive executions (CSRF). */
  readonly token = randomUUID();
  private readonly summaries = new Map<string, SummaryCacheEntry>();
  /** Last signature seen by the change watcher, and the version at which each execution last changed. */
  private readonly seen = new Map<string, string>();
  private readonly changedAt = new Map<string, number>();
  private version = 0;
  private waiters: ChangeWaiter[] = [];
  private ticker: ReturnType<typeof setInterval> | undefined;
  private documentClient: DynamoDBDocumentClient | undefined;

  constructor(
    private readonly inner: LocalPaths | undefined,
    private readonly stack: () => ConsoleStack | undefined,
    private readonly assets: () => Promise<Map<string, ConsoleAsset>> = consoleAssets,
  ) {}

  handle(method: string, path: string, query: URLSearchParams): ApiResponse | Promise<ApiResponse> | undefined {
    if (path !== '/' && path !== '/index.html' && !path.startsWith(CONSOLE_PREFIX)) return this.inner?.handle(method, path, query);
    return this.answer(method, path, query);
  }

  /** Answers every waiting `changes` request and stops watching (the stack is stopping). */
  close(): void {
    this.stopTicker();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(json(200, { version: this.version, changed: [] }));
    }
    this.waiters = [];
  }

  private async answer(method: string, path: string, query: URLSearchParams): Promise<ApiResponse> {
    try {
      if (!path.startsWith(CONSOLE_API_PREFIX)) return await this.asset(method, path, query);
      const stack = this.stack();
      if (!stack) throw new ConsoleRequestError(503, 'StackStarting', 'The local stack is still starting; try again in a moment');
      return await this.api(stack, method, path.slice(CONSOLE_API_PREFIX.length), query);
    } catch (error) {
      if (error instanceof ConsoleRequestError) return errorResponse(error);
      return json(500, { error: 'InternalError', message: `the console failed: ${(error as Error).message}` });
    }
  }

  private async asset(method: string, path: string, query: URLSearchParams): Promise<ApiResponse> {
    if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(method, path, ['GET']);
    checkQuery(query, {});
    const assets = await this.assets();
    const asset = assets.get(path === '/index.html' ? '/' : path);
    if (!asset) throw new ConsoleRequestError(404, 'NotFound', `No console asset ${path}; the console is at /`);
    return {
      statusCode: 200,
      headers: {
        'Content-Type': [asset.contentType],
        'Cache-Control': ['no-cache'],
        // Everything the page loads comes from this server: no CDN, no web fonts, no other origin.
        'Content-Security-Policy': ["default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"],
        'X-Content-Type-Options': ['nosniff'],
      },
      body: asset.body,
    };
  }

  private async api(stack: ConsoleStack, method: string, route: string, query: URLSearchParams): Promise<ApiResponse> {
    const parts = route.split('/');
    const only = (...allowed: string[]) => {
      if (!allowed.includes(method)) throw methodNotAllowed(method, `${CONSOLE_API_PREFIX}${route}`, allowed);
    };
    if (route === 'config') {
      only('GET');
      checkQuery(query, {});
      const engine = stack.stepFunctions;
      return json(200, {
        stateMachine: { name: engine.name, arn: engine.stateMachineArn, definition: engine.definition },
        region: stack.resolver.region,
        stage: stack.resolver.stage,
        cardTokens: CARD_TOKENS,
        token: this.token,
        pageSize: DEFAULT_PAGE_SIZE,
        // The shell's way to the same RedriveExecution, which the page names beside its Redrive button.
        redrive: { command: 'npm run redrive -- <orderId>' },
      });
    }
    if (route === 'catalog') {
      only('GET');
      checkQuery(query, {});
      return json(200, { items: await stack.inventory() });
    }
    if (route === 'executions') {
      only('GET');
      return json(200, this.listExecutions(stack, query));
    }
    if (route === 'changes') {
      only('GET');
      const values = checkQuery(query, { since: wholeNumber(0, 999_999_999) });
      return this.changes(stack, Number(values.since ?? 0));
    }
    if (parts[0] === 'executions' && parts.length >= 2 && parts.length <= 3) {
      const name = executionName(parts[1]!);
      const action = parts[2];
      if (action === undefined) {
        only('GET');
        checkQuery(query, {});
        return json(200, this.executionDetail(stack, this.record(stack, name)));
      }
      if (action === 'export') {
        only('GET');
        checkQuery(query, {});
        const record = this.record(stack, name);
        return json(200, exportOf(record), { 'Content-Disposition': [`attachment; filename="execution-${record.name}.json"`] });
      }
      if (action === 'order') {
        only('GET');
        checkQuery(query, {});
        return json(200, await this.orderRecords(stack, this.record(stack, name)));
      }
      if (action === 'stop') {
        only('POST');
        const values = checkQuery(query, { token: boundedText(100), error: boundedText(MAX_STOP_ERROR), cause: boundedText(MAX_STOP_CAUSE) });
        if (values.token !== this.token) {
          throw new ConsoleRequestError(403, 'Forbidden', 'query.token is missing or wrong: Stop needs the token GET /_console/api/config gives the console page');
        }
        const record = this.record(stack, name);
        if (record.status !== 'RUNNING') {
          throw new ConsoleRequestError(409, 'ExecutionNotRunning', `Execution ${name} is ${record.status}; only a RUNNING execution can be stopped`);
        }
        const { stopDate } = stack.stepFunctions.stopExecution(record.executionArn, {
          ...(values.error !== undefined ? { error: values.error } : {}),
          ...(values.cause !== undefined ? { cause: values.cause } : {}),
        });
        return json(200, { executionArn: record.executionArn, stopDate: stopDate.toISOString() });
      }
      if (action === 'redrive') {
        only('POST');
        const values = checkQuery(query, { token: boundedText(100), clientToken });
        if (values.token !== this.token) {
          throw new ConsoleRequestError(403, 'Forbidden', 'query.token is missing or wrong: Redrive needs the token GET /_console/api/config gives the console page');
        }
        const record = this.record(stack, name);
        try {
          const { redriveDate } = stack.stepFunctions.redriveExecution(record.executionArn, values.clientToken !== undefined ? { clientToken: values.clientToken } : {});
          return json(200, { executionArn: record.executionArn, redriveDate: redriveDate.toISOString() });
        } catch (error) {
          // The engine's refusal, with its DescribeExecution reason ("Execution is SUCCEEDED and cannot be redriven", ...).
          if (error instanceof StepFunctionsError && error.name === 'ExecutionNotRedrivable') {
            throw new ConsoleRequestError(409, 'ExecutionNotRedrivable', error.message);
          }
          if (error instanceof StepFunctionsError && error.name === 'ExecutionDoesNotExist') {
            throw new ConsoleRequestError(404, 'ExecutionNotFound', `No execution named ${name}`);
          }
          throw error;
        }
      }
    }
    throw new ConsoleRequestError(404, 'NotFound', `No console API path ${CONSOLE_API_PREFIX}${route}; try ${CONSOLE_API_PREFIX}executions`);
  }

  private record(stack: ConsoleStack, name: string): ExecutionRecord {
    const record = stack.executions.get(name);
    if (!record) throw new ConsoleRequestError(404, 'ExecutionNotFound', `No execution named ${name}`);
    return record;
  }

  // --- the list --------------------------------------------------------------------------------------------

  private summary(record: ExecutionRecord): ExecutionSummary {
    const signature = signatureOf(record);
    const cached = this.summaries.get(record.name);
    // A running execution's duration grows with the clock: never cached.
    if (cached && cached.signature === signature && record.status !== 'RUNNING') return cached.summary;
    const view = buildExecutionView(
      {
        status: record.status,
        startDate: record.startDate.toISOString(),
        ...(record.stopDate ? { stopDate: record.stopDate.toISOString() } : {}),
        ...(record.output !== undefined ? { output: record.output } : {}),
      },
      record.history,
    );
    const summary: ExecutionSummary = {
      name: record.name,
      executionArn: record.executionArn,
      status: record.status,
      startDate: record.startDate.toISOString(),
      ...(record.stopDate ? { stopDate: record.stopDate.toISOString() } : {}),
      durationMs: record.stopDate ? record.stopDate.getTime() - record.startDate.getTime() : view.durationMs,
      path: view.path,
      transitions: view.transitionCount,
      ...(view.currentState ? { currentState: view.currentState } : {}),
    };
    this.summaries.set(record.name, { signature, summary });
    return summary;
  }

  listExecutions(stack: ConsoleStack, query: URLSearchParams): ExecutionsPage {
    const values = checkQuery(query, {
      status: oneOf(EXECUTION_STATUSES),
      path: oneOf(ORDER_PATHS),
      q: searchText,
      page: wholeNumber(1, 1_000_000),
      pageSize: wholeNumber(1, MAX_PAGE_SIZE),
    });
    const records = stack.executions.list();
    const counts = { ALL: records.length, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, TIMED_OUT: 0, ABORTED: 0 };
    for (const record of records) counts[record.status] += 1;
    const search = values.q?.trim().toLowerCase();
    // Newest first; the registry keeps start order, which breaks ties between executions started in the same ms.
    const indexed = records.map((record, index) => ({ record, index }));
    const matching = indexed.filter(
      ({ record }) => (!values.status || record.status === values.status) && (!search || record.name.toLowerCase().includes(search)),
    );
    const newestFirst = matching
      .sort((a, b) => b.record.startDate.getTime() - a.record.startDate.getTime() || b.index - a.index)
      .map(({ record }) => record);
    // Only a path filter needs every match summarised; otherwise just the page shown is.
    const byPath = values.path ? newestFirst.map((record) => this.summary(record)).filter((summary) => summary.path === values.path) : undefined;
    const total = byPath ? byPath.length : newestFirst.length;
    const pageSize = Number(values.pageSize ?? DEFAULT_PAGE_SIZE);
    const pages = Math.max(1, Math.ceil(total / pageSize));
    const page = Math.min(Number(values.page ?? 1), pages);
    const start = (page - 1) * pageSize;
    const items = byPath ? byPath.slice(start, start + pageSize) : newestFirst.slice(start, start + pageSize).map((record) => this.summary(record));
    return { total, page, pageSize, pages, counts, items };
  }

  // --- one execution ---------------------------------------------------------------------------------------

  private executionDetail(stack: ConsoleStack, record: ExecutionRecord): ExecutionDetail {
    return {
      ...this.summary(record),
      ...redriveOf(stack, record),
      stateMachineArn: record.stateMachineArn,
      input: record.input,
      ...(record.output !== undefined ? { output: record.output } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.cause !== undefined ? { cause: record.cause } : {}),
      history: record.history,
    };
  }

  /** The order's own records: the Orders item (with its reservation and payment), the payment ledger, the notices sent. */
  private async orderRecords(stack: ConsoleStack, record: ExecutionRecord) {
    const order = (await stack.order(record.name)) as (Record<string, unknown> & { payment?: { authorizationId?: unknown } }) | undefined;
    const authorizationId = typeof order?.payment?.authorizationId === 'string' ? order.payment.authorizationId : undefined;
    let authorization: Record<string, unknown> | undefined;
    const paymentsTable = stack.tables.get('PaymentsTable')?.tableName;
    if (authorizationId && paymentsTable) {
      this.documentClient ??= DynamoDBDocumentClient.from(stack.dynamodb);
      authorization = (await this.documentClient.send(new GetCommand({ TableName: paymentsTable, Key: { authorizationId }, ConsistentRead: true }))).Item;
    }
    return {
      orderId: record.name,
      order: order ?? null,
      authorization: authorization ?? null,
      notifications: stack.outbox.forOrder(record.name),
    };
  }

  // --- live changes ----------------------------------------------------------------------------------------

  /** Looks at every execution; those whose history or status moved get the next version. */
  private scan(stack: ConsoleStack): void {
    let changed = false;
    for (const record of stack.executions.list()) {
      const signature = signatureOf(record);
      if (this.seen.get(record.name) === signature) continue;
      if (!changed) {
        this.version += 1;
        changed = true;
      }
      this.seen.set(record.name, signature);
      this.changedAt.set(record.name, this.version);
    }
    if (this.version === 0) this.version = 1;
  }

  private changedSince(since: number): { version: number; changed: string[]; all?: true } {
    const changed: string[] = [];
    for (const [name, version] of this.changedAt) {
      if (version > since) changed.push(name);
      if (changed.length > MAX_CHANGED_NAMES) return { version: this.version, changed: [], all: true };
    }
    return { version: this.version, changed };
  }

  private changes(stack: ConsoleStack, since: number): ApiResponse | Promise<ApiResponse> {
    this.scan(stack);
    if (since !== this.version) return json(200, this.changedSince(since));
    return new Promise((resolve) => {
      const waiter: ChangeWaiter = {
        since,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((other) => other !== waiter);
          if (this.waiters.length === 0) this.stopTicker();
          resolve(json(200, { version: this.version, changed: [] }));
        }, LONG_POLL_MS),
      };
      waiter.timer.unref?.();
      this.waiters.push(waiter);
      if (!this.ticker) {
        this.ticker = setInterval(() => this.tick(), CHANGE_TICK_MS);
        this.ticker.unref?.();
      }
    });
  }

  private tick(): void {
    const stack = this.stack();
    if (!stack) return;
    this.scan(stack);
    const ready = this.waiters.filter((waiter) => waiter.since !== this.version);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((waiter) => waiter.since === this.version);
    for (const waiter of ready) {
      clearTimeout(waiter.timer);
      waiter.resolve(json(200, this.changedSince(waiter.since)));
    }
    if (this.waiters.length === 0) this.stopTicker();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }
}

function methodNotAllowed(method: string, path: string, allowed: string[]): ConsoleRequestError {
  return new ConsoleRequestError(405, 'MethodNotAllowed', `${method} is not allowed on ${path}; use ${allowed.join(' or ')}`, undefined, { Allow: [allowed.join(', ')] });
}

/** What changes when an execution moves: its status and the length of its history. */
function signatureOf(record: ExecutionRecord): string {
  return `${record.status}:${record.history.length}`;
}

/**
 * DescribeExecution's redrive members, by the rule its answer uses (redriveStatus, which local/aws/stepFunctions.ts
 * describeExecutionResponse and the engine's RedriveExecution share): the button, the AWS endpoint and the engine
 * agree on what can be redriven.
 */
function redriveMembers(record: ExecutionRecord): Omit<ExecutionRedrive, 'redriveFrom'> {
  const status = redriveStatus(record);
  return {
    redriveCount: record.redriveCount ?? 0,
    ...(record.redriveDate ? { redriveDate: record.redriveDate.toISOString() } : {}),
    ...(status.redrivable ? { redriveStatus: 'REDRIVABLE' } : { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: status.reason }),
  };
}

/** The redrive members, and the state a redrive would resume at (the engine's own reading of the history). */
function redriveOf(stack: ConsoleStack, record: ExecutionRecord): ExecutionRedrive {
  const members = redriveMembers(record);
  if (members.redriveStatus !== 'REDRIVABLE') return members;
  return { ...members, redriveFrom: resumePoint(stack.stepFunctions.definition, record.history, record.input).state };
}

/** The console's Export: DescribeExecution's fields and GetExecutionHistory's events, in one JSON document. */
function exportOf(record: ExecutionRecord) {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: record.startDate.toISOString(),
    ...(record.stopDate ? { stopDate: record.stopDate.toISOString() } : {}),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
    ...redriveMembers(record),
    events: record.history,
  };
}

/**
 * The console in front of the /_local paths: `stack` returns the running stack once it is up (the console answers
 * 503 before that).
 */
export function consolePaths(inner: LocalPaths | undefined, stack: () => ConsoleStack | undefined): LocalConsole {
  return new LocalConsole(inner, stack);
}
