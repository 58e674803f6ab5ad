/**
 * How deeply a JSON text nests, read from the text itself, without recursion.
 * The host hands each event to the app as JSON.stringify output, which
 * overflows the stack somewhere past a few thousand levels; real Event Grid
 * events nest four or five levels, and the real host's JSON reader stops at 64.
 */
export const MAX_EVENT_NESTING = 64;

export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b || char === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (char === 0x7d || char === 0x5d) {
      depth--;
    }
  }
  return deepest;
}
