// lib/reuseport.ts (issue 6): which Node versions honour listen({ reusePort }).

import { describe, expect, it } from 'vitest';
import { ReusePortUnsupportedError, supportsReusePort } from '../lib/reuseport.ts';

describe('supportsReusePort', () => {
  it.each([
    ['20.18.0', false],
    ['20.20.2', false],
    ['22.11.0', false],
    ['22.12.0', true],
    ['v22.20.0', true],
    ['23.0.0', false],
    ['23.1.0', true],
    ['24.0.0', true],
    ['25.2.1', true],
  ])('Node %s → %s (net listen reusePort landed in 22.12.0 and 23.1.0)', (version, want) => {
    expect(supportsReusePort(version)).toBe(want);
  });

  it('has an error that names what needs it, the versions needed and this version', () => {
    const error = new ReusePortUnsupportedError('serveWorkers()', 'v20.18.0');
    expect(error.code).toBe('ERR_REUSE_PORT_UNSUPPORTED');
    expect(error.message).toMatch(/serveWorkers\(\).*22\.12.*23\.1.*v20\.18\.0/);
  });
});
