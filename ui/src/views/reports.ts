/**
 * Reports: inventory, compliance, access review, drift and cost, each read whole (every page),
 * with a filter and downloads of what the filter shows, as CSV or JSON. Metadata only: the
 * reports never read a value.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { href, type Context, type View } from '../app.js';
import { accessLine, type AccessVault } from '../model/access.js';
import { toCsv } from '../model/csv.js';
import type { Finding } from '../model/types.js';
import { download, errorText, scroller, severityBadge, time, type Loadable } from './common.js';

export const REPORT_KINDS = ['inventory', 'compliance', 'access', 'drift', 'cost'] as const;
type Kind = (typeof REPORT_KINDS)[number];
const LABELS: Record<Kind, string> = { inventory: 'Inventory', compliance: 'Compliance', access: 'Access review', drift: 'Drift', cost: 'Cost' };

interface Report {
  /** The rows the table shows and the downloads hold. */
  rows: Record<string, unknown>[];
  columns: string[];
  summary?: unknown;
  generatedAt?: string;
  extra?: TemplateResult;
}

type Row = Record<string, unknown>;

async function load(ctx: Context, kind: Kind): Promise<Report> {
  switch (kind) {
    case 'inventory': {
      const first = await ctx.api.get<{ items: Row[]; summary?: unknown; generatedAt: string; continuationToken?: string }>('/reports/inventory?pageSize=1000');
      const rest = first.continuationToken ? await ctx.api.all<Row>(`/reports/inventory?pageSize=1000&summary=false&continuationToken=${encodeURIComponent(first.continuationToken)}`) : [];
      const rows = [...first.items, ...rest].map((item) => ({ ...item, lastRotation: (item['lastRotation'] as { at?: string; result?: string } | null)?.result ?? null }));
      return { rows, columns: ['vault', 'name', 'managedBy', 'replicaOf', 'environment', 'enabled', 'expiresOn', 'daysLeft', 'currentVersionAgeDays', 'policyStatus', 'lastRotation', 'outOfBandVersions'], summary: first.summary, generatedAt: first.generatedAt };
    }
    case 'compliance':
    case 'drift': {
      const first = await ctx.api.get<{ items: Finding[]; summary?: unknown; generatedAt: string; continuationToken?: string }>(`/reports/${kind}?pageSize=1000`);
      const rest = first.continuationToken ? await ctx.api.all<Finding>(`/reports/${kind}?pageSize=1000&summary=false&continuationToken=${encodeURIComponent(first.continuationToken)}`) : [];
      return { rows: [...first.items, ...rest] as unknown as Row[], columns: ['severity', 'rule', 'object', 'message', 'fix'], summary: first.summary, generatedAt: first.generatedAt };
    }
    case 'access': {
      const report = await ctx.api.get<{ findings: Finding[]; summary: unknown; generatedAt: string; vaults: AccessVault[] }>('/reports/access');
      return {
        rows: report.findings as unknown as Row[],
        columns: ['severity', 'rule', 'vault', 'message', 'fix'],
        summary: report.summary,
        generatedAt: report.generatedAt,
        extra: html`<ul class="muted" aria-label="Vaults reviewed">${report.vaults.map((v) => html`<li>${accessLine(v)}</li>`)}</ul>`,
      };
    }
    case 'cost': {
      const report = await ctx.api.get<{ generatedAt?: string; totalMonthlyCost: number; currency: string; vaults: { vault: string; lines: Row[] }[]; shared: { lines: Row[] } }>('/reports/cost');
      const rows = [...report.vaults.flatMap((v) => v.lines.map((line) => ({ vault: v.vault, ...line }))), ...report.shared.lines.map((line) => ({ vault: '(shared)', ...line }))];
      return {
        rows,
        columns: ['vault', 'item', 'formula', 'quantity', 'unit', 'unitPrice', 'pricePer', 'monthlyCost'],
        summary: { totalMonthlyCost: report.totalMonthlyCost, currency: report.currency },
        ...(report.generatedAt ? { generatedAt: report.generatedAt } : {}),
        extra: html`<p><strong>Total: ${report.totalMonthlyCost.toFixed(4)} ${report.currency} a month.</strong></p>`,
      };
    }
  }
}

export function reportsView(ctx: Context, param: string | undefined): View {
  const kind: Kind = (REPORT_KINDS as readonly string[]).includes(param ?? '') ? (param as Kind) : 'inventory';
  const report: Loadable<Report> = { loading: true };
  let text = '';
  let severity = '';
  const needsAudit = kind === 'access' && !ctx.can('Audit.Read');

  if (!needsAudit) {
    load(ctx, kind)
      .then((data) => (report.data = data))
      .catch((error: unknown) => (report.error = errorText(error)))
      .finally(() => ctx.refresh());
  }

  const filtered = (data: Report) => {
    const needle = text.trim().toLowerCase();
    return data.rows.filter((row) => (!severity || row['severity'] === severity) && (!needle || data.columns.some((c) => String(row[c] ?? '').toLowerCase().includes(needle))));
  };

  const body = (data: Report): TemplateResult => {
    const rows = filtered(data);
    const hasSeverity = data.columns.includes('severity');
    const stamp = new Date().toISOString().slice(0, 10);
    return html`
      ${data.generatedAt ? html`<p class="muted">Generated ${time(data.generatedAt)}.</p>` : nothing}
      ${data.extra ?? nothing}
      <form class="filters" role="search" @submit=${(e: Event) => e.preventDefault()}>
        <label>Filter <input type="search" .value=${text} @input=${(e: Event) => ((text = (e.target as HTMLInputElement).value), ctx.refresh())}></label>
        ${hasSeverity
          ? html`<label>Severity
              <select @change=${(e: Event) => ((severity = (e.target as HTMLSelectElement).value), ctx.refresh())}>
                <option value="">Any</option><option value="high">high</option><option value="medium">medium</option><option value="low">low</option>
              </select></label>`
          : nothing}
        <button type="button" class="secondary" @click=${() => download(`${kind}-${stamp}.csv`, 'text/csv', toCsv(rows, data.columns))}>Download CSV</button>
        <button type="button" class="secondary" @click=${() => download(`${kind}-${stamp}.json`, 'application/json', JSON.stringify({ generatedAt: data.generatedAt, summary: data.summary, rows }, null, 2))}>Download JSON</button>
      </form>
      <p class="muted" role="status">${rows.length} of ${data.rows.length} ${kind === 'inventory' ? 'secrets' : kind === 'cost' ? 'lines' : 'findings'}</p>
      ${rows.length === 0
        ? html`<p>${data.rows.length === 0 ? (kind === 'inventory' || kind === 'cost' ? 'Nothing to show.' : 'No findings.') : 'Nothing matches the filter.'}</p>`
        : scroller(
            LABELS[kind],
            html`<table>
              <caption class="visually-hidden">${LABELS[kind]}</caption>
              <thead><tr>${data.columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
              <tbody>${rows.map((row) => html`<tr>${data.columns.map((c) => html`<td>${cell(c, row[c])}</td>`)}</tr>`)}</tbody>
            </table>`,
          )}
    `;
  };

  return {
    title: `Reports: ${LABELS[kind]}`,
    render: () => html`
      <h1>Reports</h1>
      <nav aria-label="Reports" class="tabs">
        <ul>${REPORT_KINDS.map((k) => html`<li><a href=${href.report(k)} aria-current=${k === kind ? 'page' : nothing}>${LABELS[k]}</a></li>`)}</ul>
      </nav>
      <h2>${LABELS[kind]}</h2>
      ${needsAudit
        ? html`<p>The access review names principals and what they hold: it needs the <code>Audit.Read</code> role.</p>`
        : report.error
          ? html`<p class="error" role="alert">Could not load the report: ${report.error}</p>`
          : report.data
            ? body(report.data)
            : html`<p class="muted" role="status">Loading the report…</p>`}
    `,
  };
}

function cell(column: string, value: unknown): TemplateResult | string {
  if (value === null || value === undefined) return '—';
  if (column === 'severity') return severityBadge(String(value));
  if (column === 'expiresOn' && typeof value === 'string') return time(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
