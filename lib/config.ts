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
