// Orders and products as the tables hold them.
import type { Order, Product } from '../../../domain/order.ts';

export const AT = '2026-11-24T12:00:00.000Z';
export const LATER = '2026-11-24T12:00:05.000Z';

export const COFFEE: Product = { sku: 'COFFEE-1KG', name: 'Coffee beans 1 kg', unitPrice: 8990, currency: 'BRL', available: 40 };
export const MUG: Product = { sku: 'MUG-01', name: 'Ceramic mug', unitPrice: 2500, currency: 'BRL', available: 3 };
export const FILTER: Product = { sku: 'FILTER-100', name: 'Paper filters', unitPrice: 1290, currency: 'BRL', available: 0 };
export const USD_ONLY: Product = { sku: 'GRINDER-US', name: 'Burr grinder', unitPrice: 12900, currency: 'USD', available: 5 };

export const catalog = (...products: Product[]): Map<string, Product> => new Map(products.map((p) => [p.sku, p]));

export const CUSTOMER = { id: 'cust-42', email: 'ana.souza@example.com', name: 'Ana Souza' };

/** A valid POST /orders body. */
export function orderRequest(overrides: Record<string, unknown> = {}) {
  return {
    customer: { ...CUSTOMER },
    items: [
      { sku: COFFEE.sku, quantity: 2 },
      { sku: MUG.sku, quantity: 1 },
    ],
    payment: { token: 'tok_visa' },
    currency: 'BRL',
    ...overrides,
  };
}

/** The order record for orderRequest(), in `status`. */
export function storedOrder(orderId: string, status: Order['status'] = 'RECEIVED', extra: Partial<Order> = {}): Order {
  return {
    orderId,
    status,
    customer: { ...CUSTOMER },
    items: [
      { sku: COFFEE.sku, name: COFFEE.name, quantity: 2, unitPrice: 8990, lineTotal: 17980 },
      { sku: MUG.sku, name: MUG.name, quantity: 1, unitPrice: 2500, lineTotal: 2500 },
    ],
    total: 20480,
    currency: 'BRL',
    history: [{ status: 'RECEIVED', at: AT }, ...(status === 'RECEIVED' ? [] : [{ status, at: LATER }])],
    createdAt: AT,
    updatedAt: status === 'RECEIVED' ? AT : LATER,
    ...extra,
  };
}
