// LazyResponse (lib/fetch-response.ts) behaves as the Response it stands
// for: the same checks at construction, the same members, and a real
// Response built on first need (issue 7).

import { describe, expect, it } from 'vitest';
import { installLazyResponse, LazyResponse } from '../../lib/fetch-response.ts';

const RealResponse = globalThis.Response;
const Lazy = LazyResponse as unknown as typeof Response;
type BodyInit = ConstructorParameters<typeof Response>[0];

describe('LazyResponse construction', () => {
  it.each([
    ['status 199', () => new Lazy('x', { status: 199 }), RangeError],
    ['status 600', () => new Lazy(null, { status: 600 }), RangeError],
    ['a body with 204', () => new Lazy('x', { status: 204 }), TypeError],
    ['a body with 304', () => new Lazy(new Uint8Array(1), { status: 304 }), TypeError],
    ['a statusText with CR', () => new Lazy(null, { statusText: 'bad\r' }), TypeError],
    ['an invalid header name', () => new Lazy('x', { headers: { 'bad name': 'v' } }), TypeError],
    ['a header value with LF', () => new Lazy('x', { headers: { 'x-a': 'one\ntwo' } }), TypeError],
  ] as const)('throws like the real constructor for %s', (_, make, errorClass) => {
    expect(make).toThrow(errorClass);
  });

  it('is a Response both ways: instanceof, and real Responses are instances of it', () => {
    const lazy = new Lazy('x');
    expect(lazy instanceof RealResponse).toBe(true);
    expect(new RealResponse('x') instanceof Lazy).toBe(true);
    expect(Object.prototype.toString.call(lazy)).toBe(Object.prototype.toString.call(new RealResponse('x')));
  });

  it('gives the same status, statusText, ok and default headers as the real one', () => {
    const cases: Array<[unknown, ResponseInit | undefined]> = [
      ['text', undefined],
      ['text', { status: 404, statusText: 'Gone Away', headers: { 'X-A': '1' } }],
      [new Uint8Array([1, 2]), { headers: [['x-b', '2']] }],
      [null, { status: 302, headers: new Headers({ location: '/x' }) }],
      [new Uint8Array([3]).buffer, undefined],
      ['padded', { headers: { 'x-pad': '  v  ' } }],
    ];
    for (const [body, init] of cases) {
      const real = new RealResponse(body as BodyInit, init);
      const lazy = new Lazy(body as BodyInit, init);
      expect({ status: lazy.status, statusText: lazy.statusText, ok: lazy.ok, headers: [...lazy.headers] }).toEqual({
        status: real.status,
        statusText: real.statusText,
        ok: real.ok,
        headers: [...real.headers],
      });
    }
  });

  it('copies the init headers as the real constructor does: later changes to the caller’s object do not show', () => {
    const plain: Record<string, string> = { 'x-a': '1' };
    const headers = new Headers({ 'x-b': '1' });
    const fromPlain = new Lazy('x', { headers: plain });
    const fromHeaders = new Lazy('x', { headers });
    plain['x-a'] = 'changed';
    plain['x-c'] = 'added';
    headers.set('x-b', 'changed');
    expect(LazyResponse.lazyParts(fromPlain)?.headers).toEqual({ 'x-a': '1' });
    expect([...fromPlain.headers]).toEqual([['content-type', 'text/plain;charset=UTF-8'], ['x-a', '1']]);
    expect(fromHeaders.headers.get('x-b')).toBe('1');
  });

  it('builds a real Response for bodies it does not handle directly', async () => {
    const form = new URLSearchParams({ a: '1' });
    const lazy = new Lazy(form);
    expect(LazyResponse.lazyParts(lazy)).toBeNull();
    expect(lazy.headers.get('content-type')).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(await lazy.text()).toBe('a=1');
  });
});

describe('LazyResponse members', () => {
  it('reads its body through the real Response: text, json, arrayBuffer, bodyUsed', async () => {
    const lazy = new Lazy('{"a":1}');
    expect(lazy.bodyUsed).toBe(false);
    expect(await lazy.json()).toEqual({ a: 1 });
    expect(lazy.bodyUsed).toBe(true);
    await expect(lazy.text()).rejects.toThrow(TypeError);
    expect(new Uint8Array(await new Lazy(new Uint8Array([7, 8])).arrayBuffer())).toEqual(new Uint8Array([7, 8]));
  });

  it('clones, exposes a body stream, and keeps headers set before materializing', async () => {
    const lazy = new Lazy('body', { headers: { 'x-a': '1' } });
    lazy.headers.set('x-late', '2');
    const copy = lazy.clone();
    expect(await copy.text()).toBe('body');
    expect(copy.headers.get('x-late')).toBe('2');
    expect(lazy.body).toBeInstanceOf(ReadableStream);
    expect(await lazy.text()).toBe('body');
    expect(lazy.type).toBe('default');
  });

  it('stays lazy until something beyond status and headers is read', () => {
    const lazy = new Lazy('x', { status: 201 });
    expect(lazy.status).toBe(201);
    lazy.headers.set('x-a', '1');
    expect(LazyResponse.lazyParts(lazy)?.body).toBe('x');
    void lazy.body;
    expect(LazyResponse.lazyParts(lazy)).toBeNull();
  });

  it('Response.json() stays lazy and sets application/json; the other statics are the real ones', async () => {
    const json = (Lazy as unknown as { json: (data: unknown, init?: ResponseInit) => Response }).json({ ok: true }, { status: 202 });
    expect(LazyResponse.lazyParts(json)?.body).toBe('{"ok":true}');
    expect(json.status).toBe(202);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(() => (Lazy as unknown as { json: (data: unknown) => Response }).json(undefined)).toThrow(TypeError);
    const redirect = Lazy.redirect('http://example.test/', 307);
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe('http://example.test/');
    expect(Lazy.error().type).toBe('error');
  });

  it('installLazyResponse() replaces the global once and is idempotent', () => {
    installLazyResponse();
    installLazyResponse();
    expect(globalThis.Response).toBe(LazyResponse);
    expect(new Response('x') instanceof RealResponse).toBe(true);
    expect(LazyResponse.lazyParts(new Response('x'))?.body).toBe('x');
    Object.defineProperty(globalThis, 'Response', { value: RealResponse, writable: true, configurable: true });
  });
});
