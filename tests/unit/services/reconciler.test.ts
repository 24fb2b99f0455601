// What the reconciler decides from an execution's status and the state it stopped in, checked against the workflow
// itself (workflows/order-pipeline.asl.yml), and the settings it reads (lib/config.ts). The handler with its
// adapters is tested in tests/unit/functions/reconcile.test.ts.
import { describe, expect, it } from 'vitest';
import { loadDefinition } from '../../definition/definition.ts';
import { COMPENSATED_END_STATE, COMPENSATION_STATES, verdictFor } from '../../../services/reconciler.ts';
import { rateIntervalMs, reconcilerConfig } from '../../../lib/config.ts';

const definition = loadDefinition();

describe('the reconciler and the workflow', () => {
  it('redrives exactly these compensation steps, each a Task of the workflow (a rename must be followed)', () => {
    expect([...COMPENSATION_STATES].sort()).toEqual(
      ['MarkFailed', 'NotifyFailure', 'RecordConfirmationFailure', 'RecordRejectionFailure', 'ReleaseStock', 'VoidPayment'],
    );
    for (const state of COMPENSATION_STATES) expect(definition.States[state]?.Type, state).toBe('Task');
  });

  it('treats OrderFailed as the end of a completed compensation: the workflow Fail state of that name', () => {
    expect(COMPENSATED_END_STATE).toBe('OrderFailed');
    expect(definition.States.OrderFailed).toMatchObject({ Type: 'Fail', Error: 'OrderFailed' });
  });

  it.each([
    ['FAILED', 'ReleaseStock', 'redrive'],
    ['FAILED', 'RecordRejectionFailure', 'redrive'],
    ['FAILED', 'OrderFailed', 'compensated'],
    ['FAILED', 'ValidatePayment', 'failed-outside-compensation'], // e.g. States.Runtime: a redrive fails the same way
    ['FAILED', 'RejectOrFail', 'failed-outside-compensation'],
    ['FAILED', undefined, 'failed-outside-compensation'], // no state named in its history
    ['ABORTED', 'ValidatePayment', 'redrive'], // stopped from outside: resume where it was
    ['TIMED_OUT', undefined, 'redrive'],
  ] as const)('%s in %s: %s', (status, state, verdict) => {
    expect(verdictFor(status, state)).toBe(verdict);
  });
});

describe('the reconciler settings', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(2 hours)', 7_200_000],
    ['rate(1 day)', 86_400_000],
  ])('reads %s as %d ms', (expression, ms) => {
    expect(rateIntervalMs(expression)).toBe(ms);
  });

  // EventBridge user guide, "Schedule expressions for rules": the unit is singular exactly when the value is 1.
  it.each(['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(5 seconds)', 'cron(0/5 * * * ? *)', 'rate(five minutes)', ''])(
    'refuses %j, saying what it expects',
    (expression) => {
      expect(() => rateIntervalMs(expression)).toThrow(/rate\(1 minute\) or rate\(5 minutes\)/);
    },
  );

  it('names the variable of a bad cap, age or rate', () => {
    const saved = { ...process.env };
    try {
      process.env.RECONCILE_REDRIVE_CAP = 'three';
      expect(() => reconcilerConfig.redriveCap).toThrow('RECONCILE_REDRIVE_CAP must be a whole number from 0 up, got "three"');
      process.env.RECONCILE_REDRIVE_CAP = '0';
      expect(reconcilerConfig.redriveCap).toBe(0);
      process.env.RECONCILE_STUCK_AFTER_MINUTES = '0';
      expect(() => reconcilerConfig.stuckAfterMs).toThrow('RECONCILE_STUCK_AFTER_MINUTES must be a whole number from 1 up');
      process.env.RECONCILE_STUCK_AFTER_MINUTES = '45';
      expect(reconcilerConfig.stuckAfterMs).toBe(45 * 60 * 1000);
      process.env.RECONCILE_RATE = 'cron(0 * * * ? *)';
      expect(() => reconcilerConfig.intervalMs).toThrow(/^RECONCILE_RATE: /);
      delete process.env.OPERATIONS_TOPIC_ARN;
      expect(() => reconcilerConfig.operationsTopicArn).toThrow('Missing environment variable OPERATIONS_TOPIC_ARN');
    } finally {
      for (const key of ['RECONCILE_REDRIVE_CAP', 'RECONCILE_STUCK_AFTER_MINUTES', 'RECONCILE_RATE', 'OPERATIONS_TOPIC_ARN']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    }
  });
});
