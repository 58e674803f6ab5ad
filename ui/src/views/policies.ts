/** Policies: every policy with its status, filtered and sorted by vault, environment, owner, status and next due. */
import { html, type TemplateResult } from 'lit-html';
import { href, type Context, type Route, type View } from '../app.js';
import { STATUS_LABELS, STATUSES, vaultName } from '../model/status.js';
import { errorText, loadState, scroller, statusBadge, time, type Loadable } from './common.js';
import { loadFleet, type Fleet, type FleetEntry } from './fleet.js';

type SortKey = 'id' | 'vault' | 'environment' | 'owner' | 'status' | 'nextDue';

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: 'id', label: 'Policy' },
  { key: 'vault', label: 'Vault' },
  { key: 'environment', label: 'Environment' },
  { key: 'owner', label: 'Owner' },
  { key: 'status', label: 'Status' },
  { key: 'nextDue', label: 'Next due' },
];

function sortValue(entry: FleetEntry, key: SortKey): string | number {
  const { policy, state } = entry.view;
  switch (key) {
    case 'id':
      return policy.id;
    case 'vault':
      return vaultName(policy.vaultUrl);
    case 'environment':
      return policy.environment;
    case 'owner':
      return policy.owner;
    case 'status':
      return STATUSES.indexOf(entry.status);
    case 'nextDue':
      return state.nextDueAt ? Date.parse(state.nextDueAt) : Number.MAX_SAFE_INTEGER;
  }
}

export function policiesView(ctx: Context, route: Route): View {
  const fleet: Loadable<Fleet> = { loading: true };
  let text = '';
  let status = route.query.get('status') ?? '';
  let environment = '';
  let sort: { key: SortKey; ascending: boolean } = { key: 'nextDue', ascending: true };

  loadFleet(ctx.api)
    .then((data) => (fleet.data = data))
    .catch((error: unknown) => (fleet.error = errorText(error)))
    .finally(() => ctx.refresh());

  const rows = (data: Fleet) => {
    const needle = text.trim().toLowerCase();
    return data.entries
      .filter((e) => !status || e.status === status)
      .filter((e) => !environment || e.view.policy.environment === environment)
      .filter((e) => !needle || [e.view.policy.id, vaultName(e.view.policy.vaultUrl), e.view.policy.secretName, e.view.policy.owner, e.view.policy.environment].some((v) => v.toLowerCase().includes(needle)))
      .sort((a, b) => {
        const x = sortValue(a, sort.key);
        const y = sortValue(b, sort.key);
        const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return (sort.ascending ? order : -order) || a.view.policy.id.localeCompare(b.view.policy.id);
      });
  };

  const header = (column: { key: SortKey; label: string }): TemplateResult => {
    const active = sort.key === column.key;
    const direction = active ? (sort.ascending ? 'ascending' : 'descending') : 'none';
    return html`<th scope="col" aria-sort=${direction}>
      <button type="button" class="sort" @click=${() => {
        sort = { key: column.key, ascending: active ? !sort.ascending : true };
        ctx.refresh();
      }}>${column.label}<span aria-hidden="true">${active ? (sort.ascending ? ' ▲' : ' ▼') : ''}</span></button>
    </th>`;
  };

  const table = (data: Fleet): TemplateResult => {
    const shown = rows(data);
    const environments = [...new Set(data.entries.map((e) => e.view.policy.environment))].sort();
    return html`
      <form class="filters" role="search" @submit=${(e: Event) => e.preventDefault()}>
        <label>Filter <input type="search" .value=${text} placeholder="policy, vault, secret, owner" @input=${(e: Event) => ((text = (e.target as HTMLInputElement).value), ctx.refresh())}></label>
        <label>Status
          <select @change=${(e: Event) => ((status = (e.target as HTMLSelectElement).value), ctx.refresh())}>
            <option value="" ?selected=${status === ''}>Any</option>
            ${STATUSES.map((s) => html`<option value=${s} ?selected=${status === s}>${STATUS_LABELS[s]}</option>`)}
          </select>
        </label>
        <label>Environment
          <select @change=${(e: Event) => ((environment = (e.target as HTMLSelectElement).value), ctx.refresh())}>
            <option value="" ?selected=${environment === ''}>Any</option>
            ${environments.map((env) => html`<option value=${env} ?selected=${environment === env}>${env}</option>`)}
          </select>
        </label>
      </form>
      <p class="muted" role="status">${shown.length} of ${data.entries.length} policies</p>
      ${scroller(
        'Policies',
        html`<table class="policies">
          <caption class="visually-hidden">Policies; the column buttons sort</caption>
          <thead><tr>${COLUMNS.map(header)}<th scope="col">Last result</th></tr></thead>
          <tbody>
            ${shown.map(
              (e) => html`<tr>
                <td><a href=${href.policy(e.view.policy.id)}>${e.view.policy.id}</a><div class="muted small">${e.view.policy.secretName}</div></td>
                <td>${vaultName(e.view.policy.vaultUrl)}</td>
                <td>${e.view.policy.environment}</td>
                <td>${e.view.policy.owner}</td>
                <td>${statusBadge(e.status)}</td>
                <td>${time(e.view.state.nextDueAt)}</td>
                <td>${e.view.state.lastResult ?? '—'}</td>
              </tr>`,
            )}
          </tbody>
        </table>`,
      )}
    `;
  };

  return { title: 'Policies', render: () => html`<h1>Policies</h1>${loadState(fleet, 'the policies', table)}` };
}
