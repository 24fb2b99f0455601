// Configuration comes from the environment serverless.yml sets (and the local runtime sets the same way).

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Missing environment variable ${name}`);
  return value;
}

export const config = {
  get ordersTable() {
    return requiredEnv('ORDERS_TABLE');
  },
  get inventoryTable() {
    return requiredEnv('INVENTORY_TABLE');
  },
  get paymentsTable() {
    return requiredEnv('PAYMENTS_TABLE');
  },
  get notificationsTopicArn() {
    return requiredEnv('NOTIFICATIONS_TOPIC_ARN');
  },
  get stateMachineArn() {
    return requiredEnv('STATE_MACHINE_ARN');
  },
};

/** A stage setting that is there but cannot be used: names the variable and what it must be. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A whole number from `min` up, read from the environment. */
export function wholeNumberEnv(name: string, min: number): number {
  const raw = requiredEnv(name);
  if (!/^\d{1,9}$/.test(raw.trim()) || Number(raw) < min) {
    throw new ConfigError(`${name} must be a whole number from ${min} up, got "${raw}"`);
  }
  return Number(raw);
}

const RATE_UNITS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/**
 * The interval of an EventBridge rate expression, in ms: `rate(5 minutes)`. The unit is singular for 1 and plural
 * otherwise (EventBridge user guide, "Schedule expressions for rules": rate(value unit), minute|minutes|hour|hours|
 * day|days). Cron expressions have no single interval and are refused.
 */
export function rateIntervalMs(expression: string): number {
  const match = /^rate\((\d{1,6}) (minutes?|hours?|days?)\)$/.exec(expression.trim());
  const value = match ? Number(match[1]) : 0;
  const unit = match?.[2] ?? '';
  if (!match || value < 1 || (value === 1) !== !unit.endsWith('s')) {
    throw new ConfigError(`not a rate expression such as rate(1 minute) or rate(5 minutes): "${expression}"`);
  }
  return value * RATE_UNITS[unit]!;
}

/** The reconciler's settings (functions.reconcile.environment in serverless.yml, from the reconcile* stage params). */
export const reconcilerConfig = {
  get operationsTopicArn() {
    return requiredEnv('OPERATIONS_TOPIC_ARN');
  },
  /** How many times the reconciler redrives one execution before it alarms instead. */
  get redriveCap() {
    return wholeNumberEnv('RECONCILE_REDRIVE_CAP', 0);
  },
  /** An order not final this long after it was created, with no running execution, is reported stuck. */
  get stuckAfterMs() {
    return wholeNumberEnv('RECONCILE_STUCK_AFTER_MINUTES', 1) * 60_000;
  },
  /** The schedule's interval: each run alarms for what stopped in the interval before its scheduled time. */
  get intervalMs() {
    const rate = requiredEnv('RECONCILE_RATE');
    try {
      return rateIntervalMs(rate);
    } catch (error) {
      throw new ConfigError(`RECONCILE_RATE: ${(error as Error).message}`);
    }
  },
  get stage() {
    return requiredEnv('STAGE');
  },
};
