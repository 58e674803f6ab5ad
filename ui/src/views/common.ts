/** Pieces every view uses: times with UTC on hover, status badges, tables that scroll, load states. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { ApiError } from '../api.js';
import { STATUS_LABELS, type PolicyStatus } from '../model/status.js';
import { localTime, relative, utcTime } from '../model/time.js';

export function time(iso: string | undefined | null, options: { relativeTo?: Date } = {}): TemplateResult | string {
  if (!iso) return '—';
  const shown = options.relativeTo ? `${localTime(iso)} (${relative(iso, options.relativeTo)})` : localTime(iso);
  return html`<time datetime=${iso} title=${utcTime(iso)}>${shown}</time>`;
}

export function statusBadge(status: PolicyStatus): TemplateResult {
  return html`<span class="badge status-${status}">${STATUS_LABELS[status]}</span>`;
}

export function severityBadge(severity: string): TemplateResult {
  return html`<span class="badge severity-${severity}">${severity}</span>`;
}

/**
 * A wide table in a region that scrolls sideways on a phone, reachable by keyboard. The region's
 * name says it scrolls, so it never repeats the name of the section around it (two landmarks
 * with one name are ambiguous to a screen reader's landmark list).
 */
export function scroller(label: string, table: TemplateResult): TemplateResult {
  return html`<div class="scroller" role="region" aria-label=${`${label}, scrollable table`} tabindex="0">${table}</div>`;
}

export interface Loadable<T> {
  data?: T;
  error?: string;
  loading: boolean;
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code}, ${error.status})`;
  return error instanceof Error ? error.message : String(error);
}

export function loadState<T>(state: Loadable<T>, what: string, body: (data: T) => TemplateResult): TemplateResult {
  if (state.error) return html`<p class="error" role="alert">Could not load ${what}: ${state.error}</p>`;
  if (state.data === undefined) return html`<p class="muted" role="status">Loading ${what}…</p>`;
  return body(state.data);
}

export function when(condition: unknown, template: () => TemplateResult): TemplateResult | typeof nothing {
  return condition ? template() : nothing;
}

export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
