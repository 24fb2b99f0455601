// Builds the adapters a handler uses from the shared clients and the environment. Each adapter goes through
// the fault switch (FAULTS), which is inert unless set.
import { ExecutionStarter } from '../adapters/ExecutionStarter.ts';
import { InventoryRepository } from '../adapters/InventoryRepository.ts';
import { OrderRepository } from '../adapters/OrderRepository.ts';
import { SimulatedPaymentGateway } from '../adapters/SimulatedPaymentGateway.ts';
import { SnsNotifier } from '../adapters/SnsNotifier.ts';
import type { PaymentGateway } from '../domain/payments.ts';
import { getDocumentClient, getSfnClient, getSnsClient } from './clients.ts';
import { config } from './config.ts';
import { withFaults } from './faults.ts';
import { traced } from './observability.ts';

export const now = (): string => new Date().toISOString();

export const orderRepository = (): OrderRepository =>
  withFaults('orders', new OrderRepository(getDocumentClient(), config.ordersTable));

export const inventoryRepository = (): InventoryRepository =>
  withFaults('inventory', new InventoryRepository(getDocumentClient(), config.inventoryTable, config.ordersTable));

// Traced outside the fault switch: an injected provider failure shows in the trace like a real one.
export const paymentGateway = (): PaymentGateway =>
  traced('PaymentGateway', withFaults('payments', new SimulatedPaymentGateway(getDocumentClient(), config.paymentsTable, now)));

export const notifier = (): SnsNotifier => withFaults('sns', new SnsNotifier(getSnsClient(), config.notificationsTopicArn));

export const executionStarter = (): ExecutionStarter => new ExecutionStarter(getSfnClient(), config.stateMachineArn);
