import { describe, expect, it } from 'vitest';
import { StateMachine } from 'aws-local-stepfunctions';
import {
  assertUniqueStateNames,
  bridgeEngineGaps,
  classifyResource,
  retryIntervalOverridesFor,
  taskStates,
  type Definition,
} from '../../local/engine/definition.ts';

const nested: Definition = {
  StartAt: 'Fan',
  States: {
    Fan: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Save', States: { Save: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', End: true, Retry: [{ ErrorEquals: ['States.ALL'] }] } } },
        {
          StartAt: 'Lines',
          States: {
            Lines: {
              Type: 'Map',
              ItemProcessor: { StartAt: 'Price', States: { Price: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true } } },
              End: true,
            },
          },
        },
      ],
      Next: 'Tell',
    },
    Tell: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', Retry: [{ ErrorEquals: ['SNS.ThrottledException'] }], End: true },
  },
};

describe('taskStates', () => {
  it('finds every Task, nested Parallel branches and Map processors included, by its Resource', () => {
    expect(taskStates(nested).map((t) => [t.name, t.resource])).toEqual([
      ['Save', { kind: 'dynamodb', operation: 'putItem', sdk: false }],
      ['Price', { kind: 'lambda:invoke' }],
      ['Tell', { kind: 'sns:publish', sdk: false }],
    ]);
  });

  it('refuses at once, naming the state, a Resource the local stack cannot run', () => {
    const definition: Definition = {
      StartAt: 'Q',
      States: { Q: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } },
    };
    expect(() => taskStates(definition)).toThrow(/state "Q" \(States\.Q\): Resource "arn:aws:states:::sqs:sendMessage" is not supported/);
  });

  it('classifies the integrations it runs', () => {
    expect(classifyResource('arn:aws:states:::aws-sdk:dynamodb:transactWriteItems')).toEqual({ kind: 'dynamodb', operation: 'transactWriteItems', sdk: true });
    expect(classifyResource('arn:aws:states:::apigateway:invoke')).toEqual({ kind: 'apigateway:invoke' });
    expect(classifyResource('arn:aws:lambda:us-east-1:000000000000:function:f')).toEqual({
      kind: 'lambda:function',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
    });
    expect(classifyResource('arn:aws:states:::lambda:invoke.waitForTaskToken')).toHaveProperty('unsupported');
  });
});

describe('retryIntervalOverridesFor', () => {
  it('covers exactly the states with a Retry, nested ones included', () => {
    expect(retryIntervalOverridesFor(nested, 0)).toEqual({ Save: 0, Tell: 0 });
  });
});

describe('assertUniqueStateNames', () => {
  it('refuses a name used in two scopes (local handlers are keyed by name)', () => {
    const definition = structuredClone(nested);
    definition.States.Price = { Type: 'Pass', End: true };
    delete definition.States.Tell;
    (definition.States.Fan as Record<string, unknown>).End = true;
    delete (definition.States.Fan as Record<string, unknown>).Next;
    expect(() => assertUniqueStateNames(definition)).toThrow(/"Price" is used twice/);
  });
});

describe('bridgeEngineGaps', () => {
  const failing: Definition = {
    StartAt: 'Boom',
    States: {
      Boom: { Type: 'Pass', Result: { Error: 'OutOfStock', Cause: 'no' }, Next: 'Done' },
      Done: { Type: 'Fail', Error: 'OrderFailed', CausePath: "States.Format('Order {} failed; first error {}', $$.Execution.Name, $.Error)" },
    },
  };

  it('turns a Fail state with an intrinsic CausePath into a throwing Task, leaving the input untouched', () => {
    const { definition, shimmedFailStates } = bridgeEngineGaps(failing);
    expect(shimmedFailStates).toEqual(['Done']);
    expect(definition.States.Done).toMatchObject({ Type: 'Task', Parameters: { Error: 'OrderFailed', 'Cause.$': failing.States.Done!.CausePath } });
    expect(failing.States.Done!.Type).toBe('Fail');
  });

  it('ends the execution with that Error and the formatted Cause when run', async () => {
    const { definition } = bridgeEngineGaps(failing);
    const machine = new StateMachine(definition as never);
    const run = machine.run({}, {
      context: { Execution: { Id: 'x', Name: 'o-7' } },
      overrides: {
        taskResourceLocalHandlers: {
          Done: async (input: unknown) => {
            const { Error: name, Cause } = input as { Error: string; Cause: string };
            throw Object.assign(new Error(Cause), { name });
          },
        },
      },
    });
    const error = (await run.result.catch((e: unknown) => e)) as Error & { cause: Error };
    expect(error.cause.name).toBe('OrderFailed');
    expect(error.cause.message).toBe('Order o-7 failed; first error OutOfStock');
  });

  it('drops ResultPath "$" (the engine would nest the result under a "$" key; absent means the same)', async () => {
    const definition: Definition = {
      StartAt: 'T',
      States: {
        T: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', ResultPath: '$', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$', Next: 'C' }], End: true },
        C: { Type: 'Pass', End: true },
      },
    };
    const bridged = bridgeEngineGaps(definition).definition;
    expect(bridged.States.T).not.toHaveProperty('ResultPath');
    expect((bridged.States.T!.Catch as Array<Record<string, unknown>>)[0]).not.toHaveProperty('ResultPath');
    const machine = new StateMachine(bridged as never);
    const failing = machine.run({ keep: 1 }, {
      context: { Execution: { Id: 'x', Name: 'n' } },
      overrides: { taskResourceLocalHandlers: { T: async () => Promise.reject(Object.assign(new Error('why'), { name: 'OutOfStock' })) } },
    });
    expect(await failing.result).toEqual({ Error: 'OutOfStock', Cause: 'why' });
  });
});
