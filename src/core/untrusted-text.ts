/**
 * Text that came from outside (a request body, a route, an Event Grid event) on
 * its way into a log line or an error message. Control characters forge log
 * lines, bidirectional formatting characters make a line read differently from
 * what it holds, lone surrogates break encoders, and an unbounded echo turns a
 * 20 MB input into a 20 MB log line or response: each is escaped or bounded here.
 */

/**
 * C0, DEL, C1, the line and paragraph separators, bidi marks (ALM, LRM, RLM),
 * embeddings, overrides and isolates, and lone surrogates (the `u` flag keeps pairs whole).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udfff]/gu;

function codePoint(char: string): string {
  return `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function kindOf(char: string): string {
  const code = char.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return 'lone surrogate';
  if (code === 0x2028) return 'line separator';
  if (code === 0x2029) return 'paragraph separator';
  if (code <= 0x9f) return 'control character';
  return 'bidirectional formatting character';
}

/** Why the text cannot be accepted as a name or a reason, or undefined when it can. Positions count from 1. */
export function unsafeCharacterProblem(text: string): string | undefined {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.exec(text);
  if (!found) return undefined;
  return `contains a ${kindOf(found[0])} ${codePoint(found[0])} at position ${found.index + 1}; control characters, bidirectional overrides and lone surrogates are not allowed`;
}

const escapeOne = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * As unsafeCharacterProblem, for free text that is trimmed before use: spaces
 * and tabs around it are dropped and allowed, while a CR or LF at either end,
 * which trimming would hide, is refused like any other.
 */
export function unsafeTrimmedTextProblem(text: string): string | undefined {
  const leading = /^[\t ]*/.exec(text)![0].length;
  const problem = unsafeCharacterProblem(text.slice(leading).replace(/[\t ]+$/, ''));
  return problem?.replace(/at position (\d+)/, (_, position: string) => `at position ${Number(position) + leading}`);
}

/** Each unsafe character as the six visible characters `\uXXXX`. */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

const ONE_UNSAFE = new RegExp(UNSAFE.source, 'u');

/**
 * Escaped, then cut to `maxChars` with a marker saying how many characters of
 * the input were left out. Reads no further than it keeps, so a 20 MB input
 * costs no more than a short one; never splits a surrogate pair.
 */
export function boundText(text: string, maxChars = 256): string {
  let kept = '';
  let index = 0;
  while (index < text.length) {
    const width = text.codePointAt(index)! > 0xffff ? 2 : 1;
    const char = text.slice(index, index + width);
    const piece = ONE_UNSAFE.test(char) ? escapeOne(char) : char;
    if (kept.length + piece.length > maxChars) break;
    kept += piece;
    index += width;
  }
  return index < text.length ? `${kept}…[${text.length - index} more characters]` : kept;
}

/** `'text'`, escaped and bounded: the way an error message quotes what a caller sent. */
export function quote(text: string, maxChars = 64): string {
  return `'${boundText(text, maxChars)}'`;
}

/**
 * The URL with any user information (`user:password@`) replaced by `***`, for
 * messages that must say which URL was refused without repeating a credential.
 * Works on the text as written, so it also covers URLs new URL() would refuse.
 */
export function withoutUserinfo(url: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:(?:\/\/)?/.exec(url);
  if (!scheme) return url;
  const rest = url.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#\\]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at === -1) return url;
  return `${scheme[0]}***${rest.slice(at)}`;
}
