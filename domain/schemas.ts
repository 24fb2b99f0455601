// The order schema, shared by POST /orders and by ReceiveOrder (executions can start without the API).
// Unknown fields are rejected, never ignored: a typo in a field name must not silently drop data.
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { isIsoCurrency } from './money.ts';
import type { FieldProblem } from './errors.ts';

// zod/mini, not zod's full build: the same checks (both are zod/v4/core) without the method-chaining API, whose
// build a bundler cannot tree-shake (~450 KB in every handler bundle). Each exported schema is made by schema(),
// which esbuild knows to be free of side effects (it does not see zod's own annotations across modules), so a bundle
// that imports this module but uses none of a schema (sendConfirmation, through domain/payments.ts) leaves it out.

/** Builds a schema at import. Marked free of side effects: an unused schema is dropped from the bundle. */
/* @__NO_SIDE_EFFECTS__ */
function schema<S>(build: () => S): S {
  return build();
}

/** `base` with `checks` appended, in order: what `.min()`, `.regex()` and `.trim()` do in zod's full build. */
function checked<S extends z.ZodMiniType>(base: S, ...checks: Array<z.core.$ZodCheck<z.output<S>>>): S {
  return base.check(...checks);
}

export const MAX_LINES = 50;
export const MAX_QUANTITY = 1000;

// No control characters (they break e-mails and logs); letters of any script are fine.
function printable(max: number) {
  return checked(
    z.string(),
    z.trim(),
    z.minLength(1, 'must not be empty'),
    z.maxLength(max, `must be at most ${max} characters`),
    z.regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters'),
  );
}

/** Order ids are execution names too, so they keep to the characters both allow. */
export const OrderIdSchema = schema(() =>
  checked(z.string(), z.regex(/^[A-Za-z0-9_-]{1,80}$/, 'must be 1-80 letters, digits, "-" or "_"')),
);

export const SkuSchema = schema(() =>
  checked(
    z.string(),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'),
  ),
);

export const CurrencySchema = schema(() =>
  checked(
    z.string(),
    z.refine(isIsoCurrency, 'must be an ISO 4217 currency code such as "BRL" or "USD"'),
  ),
);

export const QuantitySchema = schema(() =>
  checked(
    z.number({ error: 'must be a number' }),
    z.int('must be a whole number'),
    z.gte(1, 'must be at least 1'),
    z.lte(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
  ),
);

export const OrderLineSchema = schema(() =>
  z.strictObject({
    sku: SkuSchema,
    quantity: QuantitySchema,
  }),
);

export const CustomerSchema = schema(() =>
  z.strictObject({
    id: printable(64),
    email: checked(z.email('must be an e-mail address'), z.maxLength(254, 'must be at most 254 characters')),
    name: printable(200),
  }),
);

/** A card token from the payment provider; the card number never reaches this service. */
export const PaymentTokenSchema = schema(() =>
  checked(
    z.string(),
    z.regex(/^tok_[A-Za-z0-9_]{1,100}$/, 'must be a payment token such as "tok_visa"'),
  ),
);

export const OrderRequestSchema = schema(() =>
  z.strictObject(
    {
      customer: CustomerSchema,
      items: checked(
        z.array(OrderLineSchema),
        z.minLength(1, 'must have at least one line'),
        z.maxLength(MAX_LINES, `must have at most ${MAX_LINES} lines`),
        z.superRefine((lines, ctx) => {
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
      ),
      payment: z.strictObject({ token: PaymentTokenSchema }),
      currency: z.optional(CurrencySchema),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) },
  ),
);
export type OrderRequest = z.infer<typeof OrderRequestSchema>;

/** What an execution accepts: an order request, optionally with the orderId (which must be the execution name). */
export const ExecutionInputSchema = schema(() =>
  z.extend(OrderRequestSchema, { orderId: z.optional(OrderIdSchema) }),
);
export type ExecutionInput = z.infer<typeof ExecutionInputSchema>;

export const IdempotencyKeySchema = schema(() =>
  checked(z.string(), z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "-" or "_"')),
);

export const PaymentRequestSchema = schema(() =>
  z.strictObject({
    orderId: OrderIdSchema,
    amount: checked(z.number(), z.int('must be a whole number of minor units'), z.positive('must be positive')),
    currency: CurrencySchema,
    token: PaymentTokenSchema,
  }),
);
export type PaymentRequest = z.infer<typeof PaymentRequestSchema>;

/**
 * What POST /payments/validate answers with 200: the authorization (never the card token). The handler builds
 * its answer with this type and UpdateStock checks what the workflow received against it.
 */
export const PaymentAuthorizationSchema = schema(() =>
  z.object(
    {
      authorizationId: checked(z.string(), z.minLength(1, 'must not be empty')),
      status: z.literal('AUTHORIZED'),
      amount: checked(z.number(), z.int('must be a whole number of minor units'), z.positive('must be positive')),
      currency: CurrencySchema,
    },
    { error: (issue) => (issue.code === 'invalid_type' ? `must be a JSON object, not ${describeJson(issue.input)}` : undefined) },
  ),
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

export function toFieldProblems(error: z.core.$ZodError, root = ''): FieldProblem[] {
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

export function parseWith<T>(schema: z.core.$ZodType<T>, input: unknown, root = ''): ParseResult<T> {
  // The messages zod writes itself (a missing field's "Invalid input: expected object, received undefined") in
  // English, as zod's full build sets them; set here, not at import, so that it goes where the schemas go.
  if (!z.config().localeError) z.config(en());
  const result = z.safeParse(schema, input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, problems: toFieldProblems(result.error, root) };
}
