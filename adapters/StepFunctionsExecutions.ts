// The reconciler's view of this state machine's executions: list the stopped ones, read the state one stopped in,
// describe and redrive it. Each call is one IAM action on this state machine (ListExecutions) or its executions
// (GetExecutionHistory, DescribeExecution, RedriveExecution): serverless.yml grants those and nothing else.
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { ExecutionsPort, RedriveState, StoppedExecution, StoppedStatus } from '../services/reconciler.ts';
import { executionArnFor } from './ExecutionStarter.ts';

/** ListExecutions' largest page (API reference: maxResults 1-1000). */
const LIST_PAGE = 1000;
/**
 * History events read per page, newest first. A Task that fails the execution ends `TaskStateEntered`, then
 * `TaskScheduled`, `TaskStarted`, `TaskFailed` per attempt (5 with the workflow's 4 retries), then
 * `ExecutionFailed`: 17 events, one page. A longer tail is paged, up to HISTORY_PAGES.
 */
const HISTORY_PAGE = 25;
const HISTORY_PAGES = 8;

export class StepFunctionsExecutions implements ExecutionsPort {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async *listStopped(status: StoppedStatus): AsyncIterable<StoppedExecution> {
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: this.stateMachineArn, statusFilter: status, maxResults: LIST_PAGE, nextToken }),
      );
      for (const execution of page.executions ?? []) {
        yield {
          executionArn: execution.executionArn!,
          name: execution.name!,
          status,
          stopDate: execution.stopDate ?? execution.startDate!,
        };
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }

  /**
   * The newest `*StateEntered` event's state name: the state the execution stopped in (a failed task goes from its
   * TaskFailed straight to ExecutionFailed; LocalStack's AWS-validated snapshot
   * error_handling/test_task_lambda.snapshot.json). Without execution data: only the names are needed, and
   * inputs hold customers' e-mails.
   */
  async lastStateEntered(executionArn: string): Promise<string | undefined> {
    let nextToken: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const out = await this.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: HISTORY_PAGE, includeExecutionData: false, nextToken }),
      );
      for (const event of out.events ?? []) {
        if (event.type?.endsWith('StateEntered') && event.stateEnteredEventDetails?.name) return event.stateEnteredEventDetails.name;
      }
      nextToken = out.nextToken;
      if (!nextToken) return undefined;
    }
    return undefined;
  }

  async describe(executionArn: string): Promise<RedriveState | undefined> {
    try {
      const out = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
      return {
        status: out.status ?? 'UNKNOWN',
        redriveCount: out.redriveCount ?? 0,
        ...(out.redriveStatus ? { redriveStatus: out.redriveStatus } : {}),
        ...(out.redriveStatusReason ? { redriveStatusReason: out.redriveStatusReason } : {}),
      };
    } catch (error) {
      if (error instanceof ExecutionDoesNotExist) return undefined;
      throw error;
    }
  }

  async redrive(executionArn: string, clientToken: string): Promise<'redriven' | { notRedrivable: string }> {
    try {
      await this.sfn.send(new RedriveExecutionCommand({ executionArn, clientToken }));
      return 'redriven';
    } catch (error) {
      if (error instanceof ExecutionNotRedrivable) return { notRedrivable: error.message };
      throw error;
    }
  }

  executionArnFor(orderId: string): string {
    return executionArnFor(this.stateMachineArn, orderId);
  }
}
