// The URL of the Request a fetch handler sees, from the request-target and
// Host (RFC 9112 §3.2-3.3), serialized exactly as the WHATWG URL parser
// (and so `new Request(url).url`) would. Pure: no I/O.

// An origin-form target the URL parser leaves as it is: only characters no
// percent-encode set touches (the special-query set also encodes "'", so it
// is left out everywhere), at most one "?" before the query.
const PLAIN_TARGET = /^\/[\w\-.~!$&()*+,;=:@%/]*(?:\?[\w\-.~!$&()*+,;=:@%/?]*)?$/;
// A path that may hold a dot segment ("." ".." or their %2e spellings), which
// the parser removes. Deliberately broad ("/.well-known" matches): a match
// only means the target takes the slow path.
const MAYBE_DOT_SEGMENT = /^[^?]*(?:\/\.|%2e)/i;
// A port the serializer keeps as written: 1–65535 without leading zeros,
// and not 80 (the default port of http is dropped).
const PORT = '(?::(?!80$)(?:[1-9]\\d{0,3}|[1-5]\\d{4}|6[0-4]\\d{3}|65[0-4]\\d\\d|655[0-2]\\d|6553[0-5]))?$';
// A lower-case domain the host parser leaves as it is: no empty label (a
// trailing dot is kept but not worth a rule), no "xn--" label (punycode is
// validated), and a last label that is not a number (that makes the host an
// IPv4 address, which is canonicalised: "127.1" → "127.0.0.1").
const PLAIN_DOMAIN = new RegExp(`^(?:(?!xn--)[a-z0-9-]+\\.)*(?!xn--)(?!\\d+(?::|$))(?!0x[0-9a-f]*(?::|$))[a-z0-9-]+${PORT}`);
// An IPv4 address already in canonical dotted-decimal form.
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const PLAIN_IPV4 = new RegExp(`^(?:${OCTET}\\.){3}${OCTET}${PORT}`);
const ABSOLUTE_HTTP = /^https?:\/\//i;
const SLASH = 0x2f;

/**
 * Returns the serialized URL of a request: an absolute-form http(s) target
 * as is, an origin-form one with `host` (the Host field, or `defaultHost`
 * when there is none). Returns null when there is no URL the Request
 * constructor would accept: the asterisk and authority forms, other schemes,
 * a host or target the URL parser refuses, or credentials in the URL.
 */
export function requestUrl(target: string, host: string | undefined, defaultHost: string): string | null {
  if (target.charCodeAt(0) === SLASH) {
    const authority = host ?? defaultHost;
    if (target === lastTarget && authority === lastAuthority) return lastUrl;
    const url = `http://${authority}${target}`;
    // The common case costs two regular expressions and no parse.
    if (isPlainHost(authority) && PLAIN_TARGET.test(target) && !MAYBE_DOT_SEGMENT.test(target)) {
      lastTarget = target;
      lastAuthority = authority;
      lastUrl = url;
      return url;
    }
    return serialize(url);
  }
  return ABSOLUTE_HTTP.test(target) ? serialize(target) : null;
}

// The last plain origin-form URL: a request for the same target with the
// same Host (strings the request memoises, so mostly the very same objects)
// gets it back without the expressions or a concatenation.
let lastTarget = '';
let lastAuthority = '';
let lastUrl = '';

// The last host found plain: a server sees the same Host on nearly every
// request, and comparing two short strings costs less than the expressions.
let plainHost = '';

function isPlainHost(host: string): boolean {
  if (host === plainHost) return true;
  if (!PLAIN_DOMAIN.test(host) && !PLAIN_IPV4.test(host)) return false;
  plainHost = host;
  return true;
}

// Fetch §5.4 Request constructor: a URL that fails to parse, or carries
// credentials, is a TypeError there — no URL here.
function serialize(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.username !== '' || url.password !== '') return null;
  return url.href;
}
