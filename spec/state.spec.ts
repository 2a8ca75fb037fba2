// The HttpState union and its pure transitions (hyper's rule: a connection
// is reused only when reading and writing are both done and keep-alive holds).

import { describe, expect, it } from 'vitest';
import { LengthDecoder } from '../lib/decode.ts';
import { afterHead, afterProgress, assertNever, closed, initialState, type CloseReason, type ExchangeProgress, type HttpState } from '../lib/state.ts';

const exchange = (decoder: boolean, responseDone: boolean, keepAlive: boolean): ExchangeProgress => ({
  decoder: decoder ? new LengthDecoder(5) : null,
  responseDone,
  keepAlive,
});

/** An exhaustive switch, as every switch over HttpState must be; returns the variant's tag. */
function describeState(state: HttpState<ExchangeProgress>): string {
  switch (state.kind) {
    case 'ReadingHeaders':
      return 'ReadingHeaders';
    case 'ReadingBody':
      return `ReadingBody(decoder=${state.exchange.decoder !== null})`;
    case 'WritingResponse':
      return `WritingResponse(done=${state.exchange.responseDone})`;
    case 'Closed':
      return `Closed(${state.reason})`;
    default:
      return assertNever(state);
  }
}

describe('initialState', () => {
  it('a fresh connection reads headers', () => {
    expect(initialState<ExchangeProgress>()).toEqual({ kind: 'ReadingHeaders' });
  });
});

describe('afterHead', () => {
  it('with a body to read → ReadingBody carrying the exchange', () => {
    const x = exchange(true, false, true);
    const state = afterHead(x);
    expect(state.kind).toBe('ReadingBody');
    expect(state.kind === 'ReadingBody' && state.exchange === x, 'the state carries the same exchange').toBe(true);
  });
  it('without a body → WritingResponse carrying the exchange', () => {
    const x = exchange(false, false, true);
    const state = afterHead(x);
    expect(state.kind).toBe('WritingResponse');
    expect(state.kind === 'WritingResponse' && state.exchange === x).toBe(true);
  });
});

describe('afterProgress', () => {
  const cases: Array<{ name: string; decoder: boolean; responseDone: boolean; keepAlive: boolean; want: string }> = [
    { name: 'body unread, response unfinished → keep reading', decoder: true, responseDone: false, keepAlive: true, want: 'ReadingBody(decoder=true)' },
    { name: 'body unread, response done (early 413) → still reading, not reused', decoder: true, responseDone: true, keepAlive: true, want: 'ReadingBody(decoder=true)' },
    { name: 'body unread, response done, no keep-alive → still reading', decoder: true, responseDone: true, keepAlive: false, want: 'ReadingBody(decoder=true)' },
    { name: 'body read, response unfinished → writing', decoder: false, responseDone: false, keepAlive: true, want: 'WritingResponse(done=false)' },
    { name: 'body read, response unfinished, no keep-alive → writing', decoder: false, responseDone: false, keepAlive: false, want: 'WritingResponse(done=false)' },
    { name: 'both done, keep-alive → next head', decoder: false, responseDone: true, keepAlive: true, want: 'ReadingHeaders' },
    { name: 'both done, no keep-alive → Closed(Done)', decoder: false, responseDone: true, keepAlive: false, want: 'Closed(Done)' },
  ];
  it.each(cases)('$name', ({ decoder, responseDone, keepAlive, want }) => {
    const got = describeState(afterProgress(exchange(decoder, responseDone, keepAlive)));
    expect(got, `got ${got}, want ${want}`).toBe(want);
  });

  it('carries the exchange it was given', () => {
    const x = exchange(true, false, true);
    const state = afterProgress(x);
    expect(state.kind === 'ReadingBody' && state.exchange === x).toBe(true);
  });
});

describe('closed', () => {
  const reasons: CloseReason[] = ['Done', 'ClientClosed', 'ProtocolError', 'HandlerError', 'Timeout', 'ServerClosing', 'SocketError', 'Upgraded'];
  it.each(reasons)('closed(%s)', (reason) => {
    expect(closed(reason)).toEqual({ kind: 'Closed', reason });
  });
});

describe('assertNever', () => {
  it('throws at run time when an impossible value gets through', () => {
    const rogue = { kind: 'Rogue' } as unknown as never;
    expect(() => assertNever(rogue)).toThrow(/unexpected state/);
  });

  it('fails to compile when a switch misses a variant (checked by tsc --noEmit)', () => {
    function incomplete(state: HttpState<ExchangeProgress>): string {
      switch (state.kind) {
        case 'ReadingHeaders':
        case 'ReadingBody':
        case 'WritingResponse':
          return state.kind;
        default:
          // @ts-expect-error — 'Closed' is not handled, so state is not never.
          return assertNever(state);
      }
    }
    expect(() => incomplete({ kind: 'Closed', reason: 'Done' })).toThrow(/unexpected state/);
  });

  it('every variant has a case in an exhaustive switch', () => {
    const states: Array<HttpState<ExchangeProgress>> = [
      initialState(),
      afterHead(exchange(true, false, true)),
      afterHead(exchange(false, false, true)),
      closed('Timeout'),
    ];
    expect(states.map(describeState)).toEqual(['ReadingHeaders', 'ReadingBody(decoder=true)', 'WritingResponse(done=false)', 'Closed(Timeout)']);
  });
});
