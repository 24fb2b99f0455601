import { describe, expect, it } from 'vitest';
import { formatMoney, isIsoCurrency, money, multiply, sum } from '../../../domain/money.ts';

describe('money', () => {
  it('keeps whole minor units', () => {
    expect(money(1990, 'BRL')).toEqual({ amount: 1990, currency: 'BRL' });
  });

  it.each([19.9, 0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])('refuses %s (not a safe whole number)', (amount) => {
    expect(() => money(amount, 'BRL')).toThrow(RangeError);
  });

  it('multiplies a price by a quantity', () => {
    expect(multiply(money(8990, 'BRL'), 3)).toEqual({ amount: 26970, currency: 'BRL' });
  });

  it('refuses a product beyond the safe integer range', () => {
    expect(() => multiply(money(Number.MAX_SAFE_INTEGER, 'BRL'), 2)).toThrow(RangeError);
  });
});

describe('sum', () => {
  it('adds amounts of one currency', () => {
    expect(sum([money(100, 'JPY'), money(250, 'JPY'), money(1, 'JPY')], 'JPY')).toEqual({ amount: 351, currency: 'JPY' });
  });

  it('is zero for no parts', () => {
    expect(sum([], 'BRL')).toEqual({ amount: 0, currency: 'BRL' });
  });

  it('refuses to add another currency', () => {
    expect(() => sum([money(100, 'BRL'), money(100, 'USD')], 'BRL')).toThrow('cannot add USD to BRL');
  });

  it('refuses a total that overflows the safe integer range', () => {
    expect(() => sum([money(Number.MAX_SAFE_INTEGER, 'BRL'), money(1, 'BRL')], 'BRL')).toThrow(RangeError);
  });

  it('accepts a total of exactly Number.MAX_SAFE_INTEGER', () => {
    expect(sum([money(Number.MAX_SAFE_INTEGER - 1, 'BRL'), money(1, 'BRL')], 'BRL').amount).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('formatMoney', () => {
  it.each([
    [1990, 'BRL', 'BRL 19.90'],
    [5, 'BRL', 'BRL 0.05'],
    [0, 'BRL', 'BRL 0.00'],
    [100, 'USD', 'USD 1.00'],
    [1234, 'JPY', 'JPY 1234'],
    [0, 'JPY', 'JPY 0'],
    [1234, 'BHD', 'BHD 1.234'],
    [5, 'BHD', 'BHD 0.005'],
    [1_000_000, 'BHD', 'BHD 1000.000'],
    [-250, 'BRL', '-BRL 2.50'],
  ])('%s minor units of %s is %s', (amount, currency, text) => {
    expect(formatMoney({ amount, currency })).toBe(text);
  });

  it('stays exact for the largest safe amount (no floating point division)', () => {
    expect(formatMoney({ amount: Number.MAX_SAFE_INTEGER, currency: 'BRL' })).toBe('BRL 90071992547409.91');
    expect(formatMoney({ amount: Number.MAX_SAFE_INTEGER, currency: 'BHD' })).toBe('BHD 9007199254740.991');
  });
});

describe('isIsoCurrency', () => {
  it.each([
    ['BRL', true],
    ['EUR', true],
    ['brl', false],
    ['ABC', false],
  ])('%s -> %s', (code, expected) => {
    expect(isIsoCurrency(code)).toBe(expected);
  });
});
