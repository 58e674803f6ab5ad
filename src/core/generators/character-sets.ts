/**
 * The alphabets generators draw from. Every alphabet is a list of distinct
 * characters (code points), so a draw of one index is a draw of one character.
 */
export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const DIGITS = '0123456789';
/** The 32 printable ASCII punctuation characters, as AWS GetRandomPassword and Python's string.punctuation use. */
export const SPECIAL = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export const NAMED_CHARSETS = {
  alphanumeric: UPPER + LOWER + DIGITS,
  hex: '0123456789abcdef',
  base64: UPPER + LOWER + DIGITS + '+/',
  base64url: UPPER + LOWER + DIGITS + '-_',
  numeric: DIGITS,
} as const;

export type NamedCharset = keyof typeof NAMED_CHARSETS;
export const CHARSET_NAMES = [...(Object.keys(NAMED_CHARSETS) as NamedCharset[]), 'custom'] as const;
export type Charset = (typeof CHARSET_NAMES)[number];

/** The distinct code points of `text`, in first-seen order (duplicates would skew the distribution). */
export function distinctCharacters(text: string): string[] {
  return [...new Set(text)];
}

/** Characters that would corrupt or be mangled in a stored value: control characters and unpaired surrogates. */
export const UNPRINTABLE = /[\p{Cc}\p{Cs}]/u;
