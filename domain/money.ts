// Money is an integer number of minor units plus an ISO 4217 code; never a float.

export interface Money {
  amount: number;
  currency: string;
}

const isoCurrencies = new Set(Intl.supportedValuesOf('currency'));

export function isIsoCurrency(code: string): boolean {
  return isoCurrencies.has(code);
}

function assertMinorUnits(amount: number): void {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`not a whole number of minor units: ${amount}`);
}

export function money(amount: number, currency: string): Money {
  assertMinorUnits(amount);
  return { amount, currency };
}

export function multiply(price: Money, quantity: number): Money {
  return money(price.amount * quantity, price.currency);
}

export function sum(parts: Money[], currency: string): Money {
  let amount = 0;
  for (const part of parts) {
    if (part.currency !== currency) throw new RangeError(`cannot add ${part.currency} to ${currency}`);
    amount += part.amount;
    assertMinorUnits(amount);
  }
  return money(amount, currency);
}

/** "R$ 19,90"-style text for messages: the currency's own minor-unit digits, en-US digits. */
export function formatMoney({ amount, currency }: Money): string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  // Divide in decimal text, not floating point, so large amounts stay exact.
  const sign = amount < 0 ? '-' : '';
  const text = Math.abs(amount).toString().padStart(digits + 1, '0');
  const major = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return `${sign}${currency} ${major}`;
}
