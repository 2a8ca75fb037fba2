// The last response head a server built, reused when the next one is made
// of the same strings: clients asking the same route get a head that is one
// flat string instead of a fresh join of every field (about ten string
// pieces that the batched write must then flatten again). One per server,
// not per connection: with hundreds of connections a per-connection memo
// was one more cold object per response (0.975x at 500 connections).

import { encodeHead } from './encode.ts';

// Longer bodies are joined afresh: comparing them could cost what the flattening saves.
const MESSAGE_MEMO_CHARS = 4096;

/** A server's last head and the parts it was built from, and its last head joined with a text body. */
export class HeadMemo {
  #status = 0;
  #reason: string | undefined;
  #fields: readonly string[] = [];
  #dateLine = '';
  #framing = '';
  #connectionLines = '';
  #head = '';
  #flat = false;
  #messageHead = '';
  #messageBody = '';
  #message = '';
  #messageFlat = false;

  /**
   * Returns the head for these parts (see encodeHead): the previous head
   * when every part is the same, else a new one, remembered. `fields` must
   * not change afterwards (a response's fields are fixed once its head is out).
   */
  head(status: number, reason: string | undefined, fields: readonly string[], dateLine: string, framing: string, connectionLines: string): string {
    if (
      status === this.#status &&
      reason === this.#reason &&
      dateLine === this.#dateLine &&
      framing === this.#framing &&
      connectionLines === this.#connectionLines &&
      sameFields(fields, this.#fields)
    ) {
      if (!this.#flat) {
        // Reading a character flattens a joined string in place: every later
        // use (and the batched write's flattening) copies one piece, not ten.
        // Done on the first reuse only, so a head used once costs no extra copy.
        this.#head.charCodeAt(0);
        this.#flat = true;
      }
      return this.#head;
    }
    const head = encodeHead(status, reason, fields, dateLine, framing, connectionLines);
    this.#status = status;
    this.#reason = reason;
    this.#fields = fields;
    this.#dateLine = dateLine;
    this.#framing = framing;
    this.#connectionLines = connectionLines;
    this.#head = head;
    this.#flat = false;
    return head;
  }

  /**
   * head + body (a text body up to MESSAGE_MEMO_CHARS), the previous string
   * when both are the same. The join is a rope that the socket write must
   * flatten, a copy of every byte; reused, it is flattened once (below).
   */
  message(head: string, body: string): string {
    if (head === this.#messageHead && body === this.#messageBody) {
      if (!this.#messageFlat) {
        this.#message.charCodeAt(0);
        this.#messageFlat = true;
      }
      return this.#message;
    }
    const message = head + body;
    if (body.length > MESSAGE_MEMO_CHARS) return message;
    this.#messageHead = head;
    this.#messageBody = body;
    this.#message = message;
    this.#messageFlat = false;
    return message;
  }
}

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
