// Starts one execution per order. The execution name is the orderId, and Step Functions refuses a second
// execution of a name: that is what makes POST /orders with an Idempotency-Key start exactly one workflow.
import { DescribeExecutionCommand, ExecutionAlreadyExists, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { IdempotencyConflict } from '../domain/errors.ts';

export interface StartedExecution {
  executionArn: string;
  startDate: string;
  /** true when this name had been started before with the same input (a replayed request). */
  replayed: boolean;
}

export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export class ExecutionStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: string): Promise<StartedExecution> {
    try {
      const out = await this.sfn.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input }));
      return { executionArn: out.executionArn!, startDate: toIso(out.startDate), replayed: false };
    } catch (error) {
      // A running execution with the same name and input is returned as is; a finished one is refused.
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
    }
    const executionArn = executionArnFor(this.stateMachineArn, name);
    const existing = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (existing.input !== input) {
      throw new IdempotencyConflict('This Idempotency-Key was already used with a different request body', [
        { path: 'headers.idempotency-key', message: 'was used before with a different body' },
      ]);
    }
    return { executionArn, startDate: toIso(existing.startDate), replayed: true };
  }
}

function toIso(date: Date | undefined): string {
  return (date ?? new Date()).toISOString();
}
