import { beforeEach, describe, expect, it } from 'vitest';
import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ExecutionStarter, executionArnFor } from '../../../adapters/ExecutionStarter.ts';
import { IdempotencyConflict } from '../../../domain/errors.ts';
import { awsError, resetAwsMocks, sfnMock } from '../support/aws.ts';

const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:order-pipeline-test';
const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:order-pipeline-test:ord-1';
const starter = new ExecutionStarter(new SFNClient({}), SM);
const input = '{"orderId":"ord-1"}';
const started = new Date('2026-11-24T12:00:00.000Z');

const alreadyExists = () => new ExecutionAlreadyExists({ message: `Execution Already Exists: '${EXECUTION}'`, $metadata: { httpStatusCode: 400 } });

beforeEach(() => resetAwsMocks());

describe('executionArnFor', () => {
  it('turns the state machine ARN into the execution ARN of a name', () => {
    expect(executionArnFor(SM, 'ord-1')).toBe(EXECUTION);
  });
});

describe('ExecutionStarter.start', () => {
  it('starts an execution named after the order with the given input', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: started });
    await expect(starter.start('ord-1', input)).resolves.toEqual({ executionArn: EXECUTION, startDate: started.toISOString(), replayed: false });
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, { stateMachineArn: SM, name: 'ord-1', input });
    expect(sfnMock).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  it('a replay with the same input returns the existing execution (replayed: true)', async () => {
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION, input, startDate: started, status: 'SUCCEEDED' });
    await expect(starter.start('ord-1', input)).resolves.toEqual({ executionArn: EXECUTION, startDate: started.toISOString(), replayed: true });
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(DescribeExecutionCommand, { executionArn: EXECUTION });
  });

  it('a different input under the same name is an IdempotencyConflict naming the header', async () => {
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION, input: '{"orderId":"ord-1","other":1}', startDate: started });
    const error = await starter.start('ord-1', input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyConflict);
    expect((error as IdempotencyConflict).httpStatus).toBe(409);
    expect((error as IdempotencyConflict).details).toEqual([{ path: 'headers.idempotency-key', message: 'was used before with a different body' }]);
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION });
  });

  it('passes other errors on without describing', async () => {
    sfnMock.on(StartExecutionCommand).rejects(awsError('ThrottlingException', 400));
    await expect(starter.start('ord-1', input)).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(sfnMock).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });
});
