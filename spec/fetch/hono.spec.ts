// A real Hono app on rawhttp through serve({ port, fetch: app.fetch }), with
// the lazy global Response the adapter installs by default (issue 7).

import { expect, it } from 'vitest';
import { LazyResponse } from '../../lib/fetch-response.ts';
import { describeHonoOnRawhttp } from './support/hono-cases.ts';

describeHonoOnRawhttp('Hono on serve({ fetch }) (lazy global Response)', undefined);

it('serve({ fetch }) installed the lazy Response globally', () => {
  expect(globalThis.Response).toBe(LazyResponse);
});
