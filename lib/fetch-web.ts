// The platform's web classes (Request, Response, Headers), read from the
// globals on first use and never at import: the first read of these globals
// loads Node's fetch implementation (undici and web streams, ≈ 9 MiB RSS),
// which a server without a fetch handler must not pay for.

/** The platform classes the fetch adapter builds and recognises. */
export interface WebClasses {
  readonly Request: typeof Request;
  readonly Response: typeof Response;
  readonly Headers: typeof Headers;
}

let classes: WebClasses | null = null;

/**
 * Returns the platform's Request, Response and Headers; the first call reads
 * the globals. A global another adapter has replaced with a wrapper (ours
 * after fetchHandler(), @hono/node-server's) is traced back to the class it
 * wraps: the root of its constructor chain, which is the platform's.
 */
export function webClasses(): WebClasses {
  return (classes ??= { Request: rootClass(globalThis.Request), Response: rootClass(globalThis.Response), Headers: globalThis.Headers });
}

// A wrapper either extends the platform class or sets it as its constructor's
// prototype (so statics such as Response.error() are inherited): either way
// the chain of constructors ends at the platform's, whose parent is Function.prototype.
function rootClass<T extends object>(ctor: T): T {
  let current: object = ctor;
  for (;;) {
    const parent = Object.getPrototypeOf(current) as unknown;
    if (typeof parent !== 'function' || parent === Function.prototype) return current as T;
    current = parent;
  }
}
