/** Overview: counts by status, rotations over the last 30 days, and each vault's compliance score. */
import { html, svg, type TemplateResult } from 'lit-html';
import { href, type Context, type View } from '../app.js';
import { countByStatus, STATUS_LABELS, STATUSES, vaultName, type PolicyStatus } from '../model/status.js';
import { TIMELINE_DAYS, timelinePath, type RotationTimeline, type TimelineDay } from '../model/timeline.js';
import type { Finding } from '../model/types.js';
import { errorText, loadState, scroller, statusBadge, time, type Loadable } from './common.js';
import { loadFleet, type Fleet } from './fleet.js';

interface VaultScore {
  vault: string;
  secrets: number;
  withFindings: number;
  vaultFindings: number;
  score: number;
}

const SHOWN: readonly PolicyStatus[] = ['healthy', 'due-soon', 'failing', 'parked', 'waiting-for-drain', 'pending-approval'];

export function overviewView(ctx: Context): View {
  const fleet: Loadable<Fleet> = { loading: true };
  const timeline: Loadable<TimelineDay[]> = { loading: true };
  const scores: Loadable<VaultScore[]> = { loading: true };

  loadFleet(ctx.api)
    .then((loaded) => {
      fleet.data = loaded;
    })
    .catch((error: unknown) => {
      fleet.error = errorText(error);
    })
    .finally(() => ctx.refresh());

  // One call for the whole fleet: the API counts the audit's rotation records per day.
  ctx.api
    .get<RotationTimeline>(timelinePath())
    .then((answer) => {
      timeline.data = answer.days;
    })
    .catch((error: unknown) => {
      timeline.error = errorText(error);
    })
    .finally(() => ctx.refresh());

  Promise.all([ctx.api.all<{ vault: string; name: string }>('/reports/inventory?pageSize=1000&summary=false'), ctx.api.all<Finding>('/reports/compliance?pageSize=1000&summary=false')])
    .then(([inventory, findings]) => {
      scores.data = complianceScores(inventory, findings);
    })
    .catch((error: unknown) => {
      scores.error = errorText(error);
    })
    .finally(() => ctx.refresh());

  return {
    title: 'Overview',
    render: () => html`
      <h1>Overview</h1>
      <section aria-labelledby="counts-heading">
        <h2 id="counts-heading">Policies by status</h2>
        ${loadState(fleet, 'the policies', (data) => counts(data))}
      </section>
      <section aria-labelledby="timeline-heading">
        <h2 id="timeline-heading">Rotations in the last ${TIMELINE_DAYS} days (UTC)</h2>
        ${loadState(timeline, 'the rotation history', (data) => chart(data))}
      </section>
      <section aria-labelledby="compliance-heading">
        <h2 id="compliance-heading">Compliance by vault</h2>
        ${loadState(scores, 'the compliance report', (data) => scoreTable(data))}
        <p><a href=${href.report('compliance')}>All compliance findings</a></p>
      </section>
    `,
  };
}

function counts(fleet: Fleet): TemplateResult {
  const tally = countByStatus(fleet.entries.map((e) => e.status));
  const others = STATUSES.filter((s) => !SHOWN.includes(s) && tally[s] > 0);
  return html`
    <ul class="cards">
      ${[...SHOWN, ...others].map(
        (status) => html`<li class="card status-${status}">
          <a href=${`${href.policies}?status=${status}`}><span class="count">${tally[status]}</span><span class="label">${STATUS_LABELS[status]}</span></a>
        </li>`,
      )}
    </ul>
    <p class="muted">${fleet.entries.length} policies, read ${time(fleet.loadedAt.toISOString())}. ${fleet.pending.length} change requests wait for approval.</p>
    ${fleet.entries.some((e) => e.status !== 'healthy' && e.status !== 'disabled')
      ? scroller(
          'Policies that need attention',
          html`<table>
            <caption>Policies that need attention</caption>
            <thead><tr><th scope="col">Policy</th><th scope="col">Status</th><th scope="col">Next due</th></tr></thead>
            <tbody>
              ${fleet.entries
                .filter((e) => e.status !== 'healthy' && e.status !== 'disabled')
                .map((e) => html`<tr><td><a href=${href.policy(e.view.policy.id)}>${e.view.policy.id}</a></td><td>${statusBadge(e.status)}</td><td>${time(e.view.state.nextDueAt, { relativeTo: new Date() })}</td></tr>`)}
            </tbody>
          </table>`,
        )
      : ''}
  `;
}

/** A small bar chart: succeeded above, failed in red on top, one bar a UTC day; each bar's title says the same in text. */
function chart(days: TimelineDay[]): TemplateResult {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...days.map((d) => d.succeeded + d.failed));
  const bar = width / days.length;
  const y = (n: number) => (n / max) * (height - 20);
  const total = days.reduce((sum, d) => sum + d.succeeded, 0);
  const failed = days.reduce((sum, d) => sum + d.failed, 0);
  return html`
    <figure class="chart">
      <svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title">
        <title id="chart-title">${total} rotations succeeded and ${failed} failed over the last ${days.length} days; the busiest day had ${max}.</title>
        ${days.map((d, i) => {
          const ok = y(d.succeeded);
          const bad = y(d.failed);
          return svg`<g>
            <title>${dayText(d)}</title>
            <rect class="bar-ok" x=${i * bar + 2} y=${height - 16 - ok} width=${bar - 4} height=${ok}></rect>
            <rect class="bar-failed" x=${i * bar + 2} y=${height - 16 - ok - bad} width=${bar - 4} height=${bad}></rect>
          </g>`;
        })}
        <line class="axis" x1="0" x2=${width} y1=${height - 15} y2=${height - 15}></line>
        <text class="axis-label" x="0" y=${height - 2}>${days[0]?.date ?? ''}</text>
        <text class="axis-label" x=${width} y=${height - 2} text-anchor="end">${days.at(-1)?.date ?? ''}</text>
      </svg>
      <figcaption>${total} succeeded, ${failed} failed. <span class="legend ok">succeeded</span> <span class="legend failed">failed</span></figcaption>
    </figure>
  `;
}

/** One day in words: the counts the bars show, and those they do not when there are any. */
function dayText(day: TimelineDay): string {
  const extra = [day.breakGlass ? `${day.breakGlass} of them break-glass` : '', day.abandoned ? `${day.abandoned} abandoned` : ''].filter(Boolean);
  return `${day.date}: ${day.succeeded} succeeded, ${day.failed} failed${extra.length ? `; ${extra.join(', ')}` : ''}`;
}

export function complianceScores(inventory: readonly { vault: string; name: string }[], findings: readonly Finding[]): VaultScore[] {
  const vaults = new Map<string, VaultScore>();
  const entry = (vault: string) => {
    let score = vaults.get(vault);
    if (!score) vaults.set(vault, (score = { vault, secrets: 0, withFindings: 0, vaultFindings: 0, score: 100 }));
    return score;
  };
  for (const secret of inventory) entry(secret.vault).secrets += 1;
  const flagged = new Map<string, Set<string>>();
  for (const finding of findings) {
    if (!finding.vault) continue;
    if (finding.kind === 'vault') entry(finding.vault).vaultFindings += 1;
    else if (finding.kind === 'secret' && finding.secret) {
      const set = flagged.get(finding.vault) ?? new Set();
      set.add(finding.secret);
      flagged.set(finding.vault, set);
      entry(finding.vault);
    }
  }
  for (const score of vaults.values()) {
    score.withFindings = flagged.get(score.vault)?.size ?? 0;
    score.score = score.secrets === 0 ? 100 : Math.round(((score.secrets - score.withFindings) / score.secrets) * 100);
  }
  return [...vaults.values()].sort((a, b) => a.score - b.score || a.vault.localeCompare(b.vault));
}

function scoreTable(scores: VaultScore[]): TemplateResult {
  if (scores.length === 0) return html`<p>No governed vault holds a secret yet.</p>`;
  return scroller(
    'Compliance by vault',
    html`<table>
      <caption>Share of each vault's secrets with no compliance finding</caption>
      <thead><tr><th scope="col">Vault</th><th scope="col">Score</th><th scope="col" class="num">Secrets</th><th scope="col" class="num">With findings</th><th scope="col" class="num">Vault setting findings</th></tr></thead>
      <tbody>
        ${scores.map(
          (s) => html`<tr>
            <th scope="row">${vaultName(s.vault.includes('://') ? s.vault : `https://${s.vault}`)}</th>
            <td><meter min="0" max="100" low="70" high="90" optimum="100" value=${s.score} aria-label=${`${s.vault}: ${s.score}%`}></meter> ${s.score}%</td>
            <td class="num">${s.secrets}</td><td class="num">${s.withFindings}</td><td class="num">${s.vaultFindings}</td>
          </tr>`,
        )}
      </tbody>
    </table>`,
  );
}
