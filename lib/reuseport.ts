// Whether this Node can listen with SO_REUSEPORT: net listen({ reusePort })
// lets several threads each own a listening socket on one port, and the
// kernel spreads connections between them. Older Nodes ignore the option.

/** The Node.js releases whose net listen() honours `reusePort`. */
export const REUSE_PORT_NODE = 'Node.js 22.12+ or 23.1+ (24 LTS works)';

/** Thrown where `reusePort` is asked for but this Node would silently ignore it. */
export class ReusePortUnsupportedError extends Error {
  readonly code = 'ERR_REUSE_PORT_UNSUPPORTED';
  constructor(what: string, version: string = process.version) {
    super(`${what} needs the reusePort option of net listen(), available from ${REUSE_PORT_NODE}; this is Node.js ${version}`);
    this.name = 'ReusePortUnsupportedError';
  }
}

/** Whether net listen() of Node `version` (default: this one) supports `reusePort`: v22.12.0, v23.1.0 and later. */
export function supportsReusePort(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/** Throws ReusePortUnsupportedError, naming `what` and the Node version needed, unless supportsReusePort(). */
export function assertReusePort(what: string): void {
  if (!supportsReusePort()) throw new ReusePortUnsupportedError(what);
}
