// The order schema, shared by POST /orders and by ReceiveOrder (executions can start without the API).
// Unknown fields are rejected, never ignored: a typo in a field name must not silently drop data.
import { z } from 'zod';
import { isIsoCurrency } from './money.ts';
import type { FieldProblem } from './errors.ts';

export const MAX_LINES = 50;
export const MAX_QUANTITY = 1000;

// No control characters (they break e-mails and logs); letters of any script are fine.
const printable = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters');

/** Order ids are execution names too, so they keep to the characters both allow. */
export const OrderIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be 1-80 letters, digits, "-" or "_"');

export const SkuSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"');

export const CurrencySchema = z
  .string()
  .refine(isIsoCurrency, 'must be an ISO 4217 currency code such as "BRL" or "USD"');

export const QuantitySchema = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`);

export const OrderLineSchema = z.strictObject({
  sku: SkuSchema,
  quantity: QuantitySchema,
});

export const CustomerSchema = z.strictObject({
  id: printable(64),
  email: z.email('must be an e-mail address').max(254, 'must be at most 254 characters'),
  name: printable(200),
});

/** A card token from the payment provider; the card number never reaches this service. */
export const PaymentTokenSchema = z
  .string()
  .regex(/^tok_[A-Za-z0-9_]{1,100}$/, 'must be a payment token such as "tok_visa"');

export const OrderRequestSchema = z.strictObject(
  {
  customer: CustomerSchema,
  items: z
    .array(OrderLineSchema)
    .min(1, 'must have at least one line')
    .max(MAX_LINES, `must have at most ${MAX_LINES} lines`)
    .superRefine((lines, ctx) => {
      // Rejected rather than merged: two lines for one SKU are usually a client bug worth surfacing.
      const seen = new Map<string, number>();
      lines.forEach((line, index) => {
        const first = seen.get(line.sku);
        if (first === undefined) seen.set(line.sku, index);
        else
          ctx.addIssue({
            code: 'custom',
            path: [index, 'sku'],
            message: `duplicates items[${first}].sku; put the whole quantity on one line`,
          });
      });
    }),
  payment: z.strictObject({ token: PaymentTokenSchema }),
  currency: CurrencySchema.optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) },
);
export type OrderRequest = z.infer<typeof OrderRequestSchema>;

/** What an execution accepts: an order request, optionally with the orderId (which must be the execution name). */
export const ExecutionInputSchema = OrderRequestSchema.extend({ orderId: OrderIdSchema.optional() });
export type ExecutionInput = z.infer<typeof ExecutionInputSchema>;

export const IdempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_"');

export const PaymentRequestSchema = z.strictObject({
  orderId: OrderIdSchema,
  amount: z.number().int('must be a whole number of minor units').positive('must be positive'),
  currency: CurrencySchema,
  token: PaymentTokenSchema,
});
export type PaymentRequest = z.infer<typeof PaymentRequestSchema>;

/**
 * What POST /payments/validate answers with 200: the authorization (never the card token). The handler builds
 * its answer with this type and UpdateStock checks what the workflow received against it.
 */
export const PaymentAuthorizationSchema = z.object(
  {
    authorizationId: z.string().min(1, 'must not be empty'),
    status: z.literal('AUTHORIZED'),
    amount: z.number().int('must be a whole number of minor units').positive('must be positive'),
    currency: CurrencySchema,
  },
  { error: (issue) => (issue.code === 'invalid_type' ? `must be a JSON object, not ${describeJson(issue.input)}` : undefined) },
);
export type PaymentAuthorization = z.infer<typeof PaymentAuthorizationSchema>;

/** A JSON value's kind, for messages: "a string", "null", "an array". */
function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** `items[0].quantity`-style paths, the way API callers write them. */
export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let text = root;
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text ? `.${String(part)}` : String(part);
  }
  return text || '(body)';
}

export function toFieldProblems(error: z.ZodError, root = ''): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key], root),
        message: 'is not a known field',
      }));
    }
    return [{ path: formatPath(issue.path, root), message: issue.message }];
  });
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

export function parseWith<T>(schema: z.ZodType<T>, input: unknown, root = ''): ParseResult<T> {
  const result = schema.safeParse(input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, problems: toFieldProblems(result.error, root) };
}
