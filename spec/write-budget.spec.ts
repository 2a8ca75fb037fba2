// lib/write-budget.ts (issue 3): the server-wide bound on response bytes held beyond highWaterMark.

import { describe, expect, it } from 'vitest';
import { WriteAheadBudget } from '../lib/write-budget.ts';

describe('WriteAheadBudget', () => {
  it('grants what is asked while it lasts, then the rest, then nothing', () => {
    const budget = new WriteAheadBudget(100);
    expect(budget.take(60)).toBe(60);
    expect(budget.take(60)).toBe(40);
    expect(budget.take(1)).toBe(0);
    expect(budget.available).toBe(0);
  });

  it('lends again what was given back', () => {
    const budget = new WriteAheadBudget(100);
    budget.take(100);
    budget.give(30);
    expect(budget.available).toBe(30);
    expect(budget.take(50)).toBe(30);
  });

  it('a zero budget grants nothing', () => {
    expect(new WriteAheadBudget(0).take(1)).toBe(0);
  });
});
