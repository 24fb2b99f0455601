// The Step Functions API (awsJson1_0, X-Amz-Target: AWSStepFunctions.<Operation>) over the local engine: the
// operations `sls invoke stepf`, the AWS CLI and the SDK need to run and follow executions. Request members,
// response shapes and error codes follow the Step Functions API reference (and AWS's service model, which
// tests/local/aws/serviceModel.ts checks the answers against).
import { redriveStatus, StepFunctionsError, type ExecutionRecord } from '../engine/executions.ts';
import type { HistoryEvent } from '../engine/executionHistory.ts';
import type { LocalStepFunctions } from '../engine/stepFunctions.ts';
import { AwsError, decodePageToken, encodePageToken, epochSeconds, JsonMembers } from './protocol.ts';

export const SFN_TARGET_PREFIX = 'AWSStepFunctions.';

const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;
/** ListExecutions and GetExecutionHistory: maxResults 0 (or none) means the default page of 100; at most 1000. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+(:[^:]+)?$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;
/** RedriveExecution's clientToken: the ClientToken shape of the service model (length 1-64, pattern [!-~]+). */
const CLIENT_TOKEN = /^[!-~]+$/;

/** What DescribeStateMachine tells about the one local state machine, read from serverless.yml. */
export interface StateMachineDescription {
  stateMachineArn: string;
  name: string;
  type: 'STANDARD' | 'EXPRESS';
  roleArn: string;
  /** The definition as deployed, with the CloudFormation intrinsics resolved to the local values. */
  definition: string;
  creationDate: Date;
  loggingConfiguration: {
    level: 'ALL' | 'ERROR' | 'FATAL' | 'OFF';
    includeExecutionData: boolean;
    destinations?: Array<{ cloudWatchLogsLogGroup: { logGroupArn: string } }>;
  };
  tracingConfiguration: { enabled: boolean };
}

type Operation = (members: JsonMembers) => Record<string, unknown>;

export class StepFunctionsApi {
  private readonly operations: Record<string, Operation>;

  constructor(
    private readonly engine: LocalStepFunctions,
    private readonly machine: StateMachineDescription,
  ) {
    this.operations = {
      StartExecution: (m) => this.startExecution(m),
      DescribeExecution: (m) => describeExecutionResponse(this.execution(m)),
      StopExecution: (m) => this.stopExecution(m),
      RedriveExecution: (m) => this.redriveExecution(m),
      ListExecutions: (m) => this.listExecutions(m),
      GetExecutionHistory: (m) => this.getExecutionHistory(m),
      ListStateMachines: (m) => this.listStateMachines(m),
      DescribeStateMachine: (m) => this.describeStateMachine(m),
      DescribeStateMachineForExecution: (m) => this.describeStateMachineForExecution(m),
    };
  }

  get supported(): string[] {
    return Object.keys(this.operations);
  }

  /** The response body of one operation; throws AwsError with the code Step Functions would answer. */
  call(operation: string, request: Record<string, unknown>): Record<string, unknown> {
    const run = this.operations[operation];
    if (!run) {
      throw new AwsError('UnknownOperationException', `The local stack does not emulate Step Functions ${operation}; it has ${this.supported.join(', ')}`);
    }
    try {
      return run(new JsonMembers(request));
    } catch (error) {
      if (error instanceof StepFunctionsError) throw new AwsError(error.name, error.message, error.statusCode);
      throw error;
    }
  }

  private startExecution(m: JsonMembers): Record<string, unknown> {
    const stateMachineArn = this.stateMachineArn(m);
    const name = m.string('name', { min: 1, max: 80 });
    const input = m.string('input', { max: 262_144 });
    m.string('traceHeader', { max: 256 });
    const { record } = this.engine.startExecution({ stateMachineArn, ...(name !== undefined ? { name } : {}), ...(input !== undefined ? { input } : {}) });
    return { executionArn: record.executionArn, startDate: epochSeconds(record.startDate) };
  }

  private stopExecution(m: JsonMembers): Record<string, unknown> {
    const executionArn = this.executionArn(m);
    const error = m.string('error', { max: 256 });
    const cause = m.string('cause', { max: 32_768 });
    const { stopDate } = this.engine.stopExecution(executionArn, { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) });
    return { stopDate: epochSeconds(stopDate) };
  }

  /**
   * RedriveExecution (API reference): {executionArn, clientToken?} -> {redriveDate}. ExecutionNotRedrivable for an
   * execution RedriveExecution may not restart, with DescribeExecution's redriveStatusReason as the message; the
   * API is "not supported by EXPRESS state machines".
   */
  private redriveExecution(m: JsonMembers): Record<string, unknown> {
    const executionArn = this.executionArn(m);
    const clientToken = m.string('clientToken', { min: 1, max: 64 });
    if (clientToken !== undefined && !CLIENT_TOKEN.test(clientToken)) {
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${clientToken}' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [!-~]+`,
      );
    }
    if (this.machine.type === 'EXPRESS') {
      this.execution(m);
      throw new AwsError('ExecutionNotRedrivable', 'Executions of EXPRESS state machines cannot be redriven');
    }
    const { redriveDate } = this.engine.redriveExecution(executionArn, clientToken !== undefined ? { clientToken } : {});
    return { redriveDate: epochSeconds(redriveDate) };
  }

  private listExecutions(m: JsonMembers): Record<string, unknown> {
    const stateMachineArn = this.stateMachineArn(m);
    const statusFilter = m.oneOf('statusFilter', EXECUTION_STATUSES);
    const redriveFilter = m.oneOf('redriveFilter', ['REDRIVEN', 'NOT_REDRIVEN'] as const);
    const redriven = (record: ExecutionRecord) => (record.redriveCount ?? 0) > 0;
    // Most recent first (the API reference: "Results are sorted by time, with the most recent execution first").
    const all = this.engine.registry
      .list()
      .filter((record) => statusFilter === undefined || record.status === statusFilter)
      .filter((record) => redriveFilter === undefined || redriven(record) === (redriveFilter === 'REDRIVEN'))
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
    const { page, nextToken } = pageOf(m, all, `executions:${stateMachineArn}:${statusFilter ?? '*'}:${redriveFilter ?? '*'}`, 3096);
    return {
      executions: page.map((record) => ({
        executionArn: record.executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        status: record.status,
        startDate: epochSeconds(record.startDate),
        ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
        redriveCount: record.redriveCount ?? 0,
        ...(record.redriveDate ? { redriveDate: epochSeconds(record.redriveDate) } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  private getExecutionHistory(m: JsonMembers): Record<string, unknown> {
    const record = this.execution(m);
    const reverseOrder = m.boolean('reverseOrder') ?? false;
    const includeExecutionData = m.boolean('includeExecutionData') ?? true;
    const events = reverseOrder ? [...record.history].reverse() : record.history;
    const { page, nextToken } = pageOf(m, events, `history:${record.executionArn}:${reverseOrder}`, 3096);
    return {
      events: page.map((event) => historyEventResponse(event, includeExecutionData)),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  private listStateMachines(m: JsonMembers): Record<string, unknown> {
    const { page, nextToken } = pageOf(m, [this.machine], 'stateMachines', 1024);
    return {
      stateMachines: page.map((machine) => ({
        stateMachineArn: machine.stateMachineArn,
        name: machine.name,
        type: machine.type,
        creationDate: epochSeconds(machine.creationDate),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  private describeStateMachine(m: JsonMembers): Record<string, unknown> {
    this.stateMachineArn(m);
    m.oneOf('includedData', ['ALL_DATA', 'METADATA_ONLY'] as const);
    const { creationDate, ...machine } = this.machine;
    return { ...machine, status: 'ACTIVE', creationDate: epochSeconds(creationDate) };
  }

  private describeStateMachineForExecution(m: JsonMembers): Record<string, unknown> {
    this.execution(m);
    m.oneOf('includedData', ['ALL_DATA', 'METADATA_ONLY'] as const);
    const { stateMachineArn, name, definition, roleArn, loggingConfiguration, tracingConfiguration, creationDate } = this.machine;
    return { stateMachineArn, name, definition, roleArn, updateDate: epochSeconds(creationDate), loggingConfiguration, tracingConfiguration };
  }

  /** `stateMachineArn`: required, well-formed, and this stack's state machine. */
  private stateMachineArn(m: JsonMembers): string {
    const arn = m.string('stateMachineArn', { required: true, min: 1, max: 256 })!;
    if (!STATE_MACHINE_ARN.test(arn)) throw new AwsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    if (arn !== this.machine.stateMachineArn) throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return arn;
  }

  /** `executionArn`: required, well-formed, and an execution of this stack. */
  private execution(m: JsonMembers): ExecutionRecord {
    return this.engine.describeExecution(this.executionArn(m));
  }

  private executionArn(m: JsonMembers): string {
    const arn = m.string('executionArn', { required: true, min: 1, max: 256 })!;
    if (!EXECUTION_ARN.test(arn)) throw new AwsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
    return arn;
  }
}

/**
 * DescribeExecution. The redrive members as AWS records them (LocalStack's AWS-validated snapshots): `redriveCount`
 * always; `redriveStatus` REDRIVABLE with no reason, or NOT_REDRIVABLE with `redriveStatusReason`; `redriveDate`
 * once redriven.
 */
/**
 * One page of a listing: `maxResults` (0 or none: the default page) and `nextToken` (at most `tokenMax` long, only
 * valid for the same `scope`) as the List/Get operations take them.
 */
function pageOf<T>(m: JsonMembers, all: readonly T[], scope: string, tokenMax: number): { page: T[]; nextToken?: string } {
  const maxResults = m.integer('maxResults', { min: 0, max: MAX_PAGE }) || DEFAULT_PAGE;
  const offset = decodePageToken(m.string('nextToken', { min: 1, max: tokenMax }), scope);
  const end = offset + maxResults;
  return { page: all.slice(offset, end), ...(end < all.length ? { nextToken: encodePageToken(end, scope) } : {}) };
}

export function describeExecutionResponse(record: ExecutionRecord, now = new Date()): Record<string, unknown> {
  const redrive = redriveStatus(record, now);
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
    input: record.input,
    inputDetails: { included: true },
    ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.cause !== undefined ? { cause: record.cause } : {}),
    redriveCount: record.redriveCount ?? 0,
    ...(record.redriveDate ? { redriveDate: epochSeconds(record.redriveDate) } : {}),
    ...(redrive.redrivable ? { redriveStatus: 'REDRIVABLE' } : { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: redrive.reason }),
  };
}

/**
 * Execution data in history events: what `includeExecutionData: false` leaves out - "input or output of a
 * history event" (API reference, GetExecutionHistory). A Task's `parameters` stay: the service model requires them.
 */
const EXECUTION_DATA = new Set(['input', 'output']);

/** One history event on the wire: epoch-second timestamp, and without execution data when it was not asked for. */
export function historyEventResponse(event: HistoryEvent, includeExecutionData = true): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'timestamp') wire.timestamp = epochSeconds(new Date(event.timestamp));
    else if (!includeExecutionData && key.endsWith('EventDetails') && typeof value === 'object' && value !== null) {
      wire[key] = Object.fromEntries(Object.entries(value).filter(([member]) => !EXECUTION_DATA.has(member)));
    } else wire[key] = value;
  }
  return wire;
}
