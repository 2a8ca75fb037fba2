// The same Hono cases with overrideGlobalObjects: false: every Response is a
// real one, read through its body stream (issue 7). Runs in its own file so
// no other spec has replaced the global first.

import { expect, it } from 'vitest';
import { LazyResponse } from '../../lib/fetch-response.ts';
import { describeHonoOnRawhttp } from './support/hono-cases.ts';

const original = globalThis.Response;

describeHonoOnRawhttp('Hono on fetchHandler(app.fetch, { overrideGlobalObjects: false })', { overrideGlobalObjects: false });

it('left the global Response alone', () => {
  expect(globalThis.Response).toBe(original);
  expect(globalThis.Response).not.toBe(LazyResponse);
});
