/**
 * The promises every generated case is held to: never a 5xx, never a write on a
 * refusal, every 400 names a field, and no input echoed unbounded (responses and
 * log lines stay small whatever the input's size). Each check throws with a message
 * that says which promise broke, so fast-check reports and shrinks it.
 */
import type { AppAnswer } from '../support/app-stack.js';

/** An error answer says what went wrong in a few lines, not by quoting the input. */
export const ERROR_RESPONSE_BOUND = 8 * 1024;
/** A 2xx answer holds stored data, which the schemas bound; per listed item for pages. */
export const SUCCESS_RESPONSE_BOUND = 64 * 1024;
export const LOG_LINE_BOUND = 16 * 1024;

export class PropertyBroken extends Error {
  override name = 'PropertyBroken';
}

function summary(answer: AppAnswer): string {
  return `${answer.status} ${answer.text.length > 300 ? `${answer.text.slice(0, 300)}… (${answer.text.length} chars)` : answer.text}`;
}

export function neverA5xx(answer: AppAnswer): void {
  if (answer.status >= 500) throw new PropertyBroken(`answered a 5xx: ${summary(answer)}`);
}

export function every400NamesAField(answer: AppAnswer): void {
  if (answer.status !== 400) return;
  const details: unknown = answer.json?.error?.details;
  if (!Array.isArray(details) || details.length === 0) throw new PropertyBroken(`a 400 without error.details: ${summary(answer)}`);
  for (const detail of details) {
    if (typeof detail !== 'object' || detail === null || typeof (detail as { path?: unknown }).path !== 'string') {
      throw new PropertyBroken(`a 400 detail without a path: ${summary(answer)}`);
    }
  }
}

export function echoesBounded(answer: AppAnswer): void {
  if (answer.status >= 300) {
    if (answer.text.length > ERROR_RESPONSE_BOUND) throw new PropertyBroken(`an error answer of ${answer.text.length} chars (bound ${ERROR_RESPONSE_BOUND}): ${summary(answer)}`);
  } else {
    const items = Array.isArray(answer.json?.items) ? (answer.json.items as unknown[]).length : 1;
    const bound = SUCCESS_RESPONSE_BOUND * Math.max(1, items);
    if (answer.text.length > bound) throw new PropertyBroken(`a ${answer.status} answer of ${answer.text.length} chars (bound ${bound}): ${summary(answer)}`);
  }
  if ((answer.longestLog ?? 0) > LOG_LINE_BOUND) throw new PropertyBroken(`the handler logged a line of ${answer.longestLog} chars (bound ${LOG_LINE_BOUND})`);
}

export function logLinesBounded(longest: number, where: string): void {
  if (longest > LOG_LINE_BOUND) throw new PropertyBroken(`${where} logged a line of ${longest} chars (bound ${LOG_LINE_BOUND})`);
}

export interface WriteCounts {
  tableWrites: number;
  keyVaultWrites: number;
}

export function noWriteOnRefusal(answer: AppAnswer, before: WriteCounts, after: WriteCounts): void {
  if (answer.status < 400 || answer.status >= 500) return;
  if (after.tableWrites !== before.tableWrites) throw new PropertyBroken(`a ${answer.status} refusal wrote ${after.tableWrites - before.tableWrites} Table entities: ${summary(answer)}`);
  if (after.keyVaultWrites !== before.keyVaultWrites) throw new PropertyBroken(`a ${answer.status} refusal wrote ${after.keyVaultWrites - before.keyVaultWrites} Key Vault versions: ${summary(answer)}`);
}

/** C0/C1 controls (tab excepted), line and paragraph separators, bidi controls, lone surrogates. */
const UNSAFE_TEXT = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasUnsafeText(text: string): boolean {
  return UNSAFE_TEXT.test(text);
}

/** A printable description of a generated value that may hold megabytes: long strings and keys are cut, the structure is kept. */
export function describeInput(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 1200 ? `${value.slice(0, 800)}…<${value.length} chars>…${value.slice(-200)}` : value);
  const text = JSON.stringify(shorten(value, 0)) ?? String(value);
  return text.length > 1500 ? `${text.slice(0, 1500)}…<${text.length} chars>` : text;
}

function shorten(value: unknown, depth: number): unknown {
  const cut = (text: string) => (text.length > 120 ? `${text.slice(0, 120)}…<${text.length} chars>` : text);
  if (typeof value === 'string') return cut(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 20) return `…<nested ${depthOf(value)} deep>`;
  if (Array.isArray(value)) return value.slice(0, 20).map((item) => shorten(item, depth + 1));
  return Object.fromEntries(Object.entries(value).slice(0, 30).map(([key, item]) => [cut(key), shorten(item, depth + 1)]));
}

function depthOf(value: unknown): number {
  let depth = 0;
  let current: unknown = value;
  while (typeof current === 'object' && current !== null) {
    depth++;
    current = Array.isArray(current) ? current[0] : Object.values(current)[0];
  }
  return depth;
}
