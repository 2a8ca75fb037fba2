// Byte codes, character-class lookup tables, reason phrases and defaults.
// A leaf: imports nothing from lib/. Tables follow RFC 9110 §5.6.2 (token),
// §5.5 (field-value) and RFC 3986 §2-3 (request-target characters).

export const HTAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SP = 0x20;
export const DQUOTE = 0x22;
export const PERCENT = 0x25;
export const ASTERISK = 0x2a;
export const COMMA = 0x2c;
export const DOT = 0x2e;
export const SLASH = 0x2f;
export const DIGIT_0 = 0x30;
export const DIGIT_9 = 0x39;
export const COLON = 0x3a;
export const SEMICOLON = 0x3b;
export const EQUALS = 0x3d;
export const LEFT_BRACKET = 0x5b;
export const BACKSLASH = 0x5c;
export const RIGHT_BRACKET = 0x5d;
export const DEL = 0x7f;
/** ORing an ASCII letter with this lower-cases it; tokens never contain bytes it would confuse. */
export const LOWER_CASE_BIT = 0x20;

function table(accept: (byte: number) => boolean): Uint8Array {
  const out = new Uint8Array(256);
  for (let b = 0; b < 256; b++) out[b] = accept(b) ? 1 : 0;
  return out;
}

const isAlpha = (b: number): boolean => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
const isDigit = (b: number): boolean => b >= DIGIT_0 && b <= DIGIT_9;

/** tchar (RFC 9110 §5.6.2): the characters of methods, field names, coding names. */
export const TOKEN = table((b) => isAlpha(b) || isDigit(b) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b)));

/** field-vchar plus SP and HTAB (RFC 9110 §5.5): VCHAR, obs-text; never CTLs, CR, LF or NUL. */
export const FIELD_VALUE = table((b) => b === HTAB || b === SP || (b > SP && b !== DEL));

/** Characters RFC 3986 allows in a request-target ('%' is checked separately for two hex digits). */
export const TARGET = table(
  (b) => isAlpha(b) || isDigit(b) || "-._~!$&'()*+,;=:@/?%[]".includes(String.fromCharCode(b)),
);

/**
 * reg-name / IPv4 characters of a Host (RFC 3986 §3.2.2): unreserved,
 * sub-delims and '%' — except ',', which would make the singleton Host look
 * like a list to a proxy (a smuggling vector; DESIGN: "no list").
 */
export const HOST_NAME = table((b) => isAlpha(b) || isDigit(b) || "-._~!$&'()*+;=%".includes(String.fromCharCode(b)));

/** Characters inside an IP-literal's brackets (IPv6address / IPvFuture, RFC 3986 §3.2.2). */
export const HOST_IP_LITERAL = table((b) => isAlpha(b) || isDigit(b) || "-._~!$&'()*+,;=:".includes(String.fromCharCode(b)));

/** qdtext / quoted-pair octets of a quoted-string (RFC 9110 §5.6.4). */
export const QUOTED_TEXT = table((b) => b === HTAB || b === SP || (b > SP && b !== DEL && b !== DQUOTE && b !== BACKSLASH));

/** Value of a hex digit, or -1. */
export const HEX_VALUE = (() => {
  const out = new Int8Array(256).fill(-1);
  for (let d = 0; d < 10; d++) out[DIGIT_0 + d] = d;
  for (let d = 0; d < 6; d++) {
    out[0x41 + d] = 10 + d;
    out[0x61 + d] = 10 + d;
  }
  return out;
})();

/** Reason phrases (RFC 9110 §15) for the status codes we may send. */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Continue',
  101: 'Switching Protocols',
  102: 'Processing',
  103: 'Early Hints',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  207: 'Multi-Status',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  418: "I'm a teapot",
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  425: 'Too Early',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  507: 'Insufficient Storage',
  511: 'Network Authentication Required',
};

/** Methods interned by the parser: a known method costs no string allocation. */
export const KNOWN_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'SEARCH',
  'QUERY',
  'PURGE',
  'REPORT',
] as const;

/** Default limits and timeouts; the README's options table lists the same values. */
export const DEFAULTS = {
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxUriBytes: 8 * 1024,
  maxBodyBytes: 1024 * 1024,
  maxChunkExtensionBytes: 16 * 1024,
  maxTrailerBytes: 16 * 1024,
  maxDrainBytes: 64 * 1024,
  maxPipelinedBytes: 64 * 1024,
  highWaterMark: 64 * 1024,
  maxWriteAheadBytes: 64 * 1024 * 1024,
  maxRequestsPerSocket: 0,
  maxConnections: 0,
  headersTimeoutMs: 60_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 65_000,
  writeStallTimeoutMs: 60_000,
} as const;
