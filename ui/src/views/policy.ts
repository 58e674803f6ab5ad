/**
 * One policy: its current version, next due, last result, the rotation in progress step by step
 * with each consumer, the history from the audit, and the actions the person's roles allow
 * (the API decides each one again). Refreshes itself while a rotation or a request is under way.
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { href, type Context, type View } from '../app.js';
import { ApiError } from '../api.js';
import { statusOf, vaultName } from '../model/status.js';
import type { AuditRecord, ChangeRequest, PolicyView, RotationInProgress } from '../model/types.js';
import { errorText, scroller, statusBadge, time, when } from './common.js';

const LIVE_REFRESH_MS = 2_000;

/** A parked policy waits for a person: the engine schedules no retry once its budget is spent. */
function parkedNotice(failedAttempts: number): TemplateResult {
  return html`<p class="error" role="note">Parked after ${failedAttempts} failed attempt${failedAttempts === 1 ? '' : 's'}: the retry budget is spent and no retry is scheduled. Fix the cause shown under Last result, then rotate now to try again.</p>`;
}

interface RotatePlan {
  wouldRotate: boolean;
  reason: string;
  secretName: string;
  vaultUrl: string;
  currentVersion?: string;
  newVersionExpiresOn?: string;
  steps?: string[];
  consumers?: { name: string; kind: string; login: string }[];
  keyVaultOperations: { creates: number; others: number };
}

type Dialog = { kind: 'rotate'; reason: string; plan?: RotatePlan; planFor?: string; busy: boolean } | { kind: 'break-glass'; justification: string; confirm: string; busy: boolean } | undefined;

export function policyView(ctx: Context, id: string): View {
  let view: PolicyView | undefined;
  let history: AuditRecord[] = [];
  let pending: ChangeRequest[] = [];
  let error: string | undefined;
  let message: { text: string; kind: 'info' | 'error' } | undefined;
  let dialog: Dialog;
  /** A change request this page made, followed until it closes. */
  let watching: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const load = async () => {
    try {
      const [loaded, audit, requests] = await Promise.all([
        ctx.api.get<PolicyView>(`/policies/${encodeURIComponent(id)}`),
        ctx.api.get<{ items: AuditRecord[] }>(`/policies/${encodeURIComponent(id)}/rotations?pageSize=50`),
        ctx.api.all<ChangeRequest>('/change-requests?status=pending&pageSize=1000', 2),
      ]);
      view = loaded;
      history = audit.items;
      pending = requests.filter((r) => r.policyId === id);
      error = undefined;
      if (watching) {
        const request = await ctx.api.get<ChangeRequest>(`/change-requests/${encodeURIComponent(watching)}`);
        if (request.status !== 'pending' && request.status !== 'executing') {
          message = { text: `Change request ${request.id} is ${request.status}${request.execution?.result ? `: ${request.execution.result.summary}` : ''}.`, kind: request.status === 'executed' ? 'info' : 'error' };
          watching = undefined;
        }
      }
    } catch (caught) {
      error = caught instanceof ApiError && caught.status === 404 ? `No policy '${id}'.` : errorText(caught);
    }
    ctx.refresh();
    schedule();
  };

  /** Live while something moves: a rotation in progress, or a request this page is following. */
  const schedule = () => {
    clearTimeout(timer);
    if (disposed) return;
    if (view?.state.rotationInProgress || watching) timer = setTimeout(() => void load(), LIVE_REFRESH_MS);
  };

  void load();

  const act = async (work: () => Promise<string>) => {
    try {
      message = { text: await work(), kind: 'info' };
      dialog = undefined;
    } catch (caught) {
      message = { text: errorText(caught), kind: 'error' };
      if (dialog) dialog.busy = false;
    }
    await load();
  };

  const rotationOutcome = (status: number, body: Record<string, unknown>): string => {
    if (body['approvalRequired']) {
      watching = body['changeRequestId'] as string;
      return `Approval required: change request ${watching} waits for approvers. This page follows it.`;
    }
    if (status === 202) return `The rotation waits for a drain of ${(body['drain'] as { login?: string } | undefined)?.login ?? 'the old login'}; it goes on by itself.`;
    return body['status'] === 'succeeded' ? `Rotated: new version ${String(body['newVersion'] ?? '')}.` : `Rotation ${String(body['status'])}: ${String(body['reason'] ?? '')}`;
  };

  const preview = async () => {
    if (dialog?.kind !== 'rotate') return;
    const reason = dialog.reason.trim();
    dialog.busy = true;
    ctx.refresh();
    try {
      const answer = await ctx.api.call<RotatePlan>('POST', `/policies/${encodeURIComponent(id)}/rotate`, { reason, dryRun: true });
      if (dialog?.kind === 'rotate') Object.assign(dialog, { plan: answer.body, planFor: reason, busy: false });
    } catch (caught) {
      message = { text: errorText(caught), kind: 'error' };
      if (dialog) dialog.busy = false;
    }
    ctx.refresh();
    // The button was disabled while the dry run ran, which drops focus to the page: give it back, now "Rotate now".
    queueMicrotask(() => document.getElementById('rotate-submit')?.focus());
  };

  const rotate = () =>
    act(async () => {
      if (dialog?.kind !== 'rotate') throw new Error('no rotation asked');
      dialog.busy = true;
      ctx.refresh();
      const answer = await ctx.api.call<Record<string, unknown>>('POST', `/policies/${encodeURIComponent(id)}/rotate`, { reason: dialog.reason.trim() });
      return rotationOutcome(answer.status, answer.body);
    });

  const breakGlass = () =>
    act(async () => {
      if (dialog?.kind !== 'break-glass') throw new Error('no break-glass asked');
      dialog.busy = true;
      ctx.refresh();
      const answer = await ctx.api.call<Record<string, unknown>>('POST', `/policies/${encodeURIComponent(id)}/break-glass`, { justification: dialog.justification.trim() });
      return `Break-glass rotation ${String(answer.body['status'])}; review request ${String((answer.body['review'] as { id?: string } | undefined)?.id ?? '')} waits for two approvers.`;
    });

  const setEnabled = (enabled: boolean) =>
    act(async () => {
      if (!view) throw new Error('the policy is not loaded');
      const answer = await ctx.api.call<Record<string, unknown>>('PUT', `/policies/${encodeURIComponent(id)}`, { ...view.policy, enabled }, { 'if-match': view.etag });
      if (answer.body['approvalRequired']) {
        watching = answer.body['changeRequestId'] as string;
        return `Approval required: change request ${watching} to ${enabled ? 'enable' : 'disable'} the policy waits for approvers.`;
      }
      return enabled ? 'The policy is enabled.' : 'The policy is disabled: nothing rotates it until it is enabled again.';
    });

  /** Opens a form and moves focus to its first field, so a keyboard user lands where they type (after the redraw refresh() queues). */
  const openForm = (opened: NonNullable<Dialog>, firstField: string) => {
    dialog = opened;
    ctx.refresh();
    queueMicrotask(() => document.getElementById(firstField)?.focus());
  };

  const actions = (v: PolicyView): TemplateResult | typeof nothing => {
    const canRotate = ctx.can('Rotation.Operate');
    const canWrite = ctx.can('Policy.Write');
    const canBreakGlass = ctx.can('Rotation.BreakGlass');
    if (!canRotate && !canWrite && !canBreakGlass) return nothing;
    const enabled = v.policy.enabled !== false;
    return html`<section aria-labelledby="actions-heading" class="actions">
      <h2 id="actions-heading">Actions</h2>
      <div class="button-row">
        ${when(canRotate, () => html`<button type="button" @click=${() => openForm({ kind: 'rotate', reason: '', busy: false }, 'rotate-reason')}>Rotate now…</button>`)}
        ${when(canWrite, () => html`<button type="button" class="secondary" @click=${() => setEnabled(!enabled)}>${enabled ? 'Disable policy' : 'Enable policy'}</button>`)}
        ${when(canBreakGlass, () => html`<button type="button" class="danger" @click=${() => openForm({ kind: 'break-glass', justification: '', confirm: '', busy: false }, 'bg-justification')}>Break glass…</button>`)}
      </div>
      ${dialog?.kind === 'rotate' ? rotateForm(dialog) : nothing} ${dialog?.kind === 'break-glass' ? breakGlassForm(dialog, v.policy.id) : nothing}
    </section>`;
  };

  const rotateForm = (d: Extract<Dialog, { kind: 'rotate' }>) => {
    const previewed = d.plan !== undefined && d.planFor === d.reason.trim();
    return html`<form class="dialog" aria-labelledby="rotate-heading" @submit=${(e: Event) => (e.preventDefault(), previewed ? void rotate() : void preview())}>
      <h3 id="rotate-heading">Rotate ${id} now</h3>
      <label for="rotate-reason">Reason (required, recorded in the audit)</label>
      <textarea id="rotate-reason" required maxlength="512" .value=${d.reason} @input=${(e: Event) => ((d.reason = (e.target as HTMLTextAreaElement).value), ctx.refresh())}></textarea>
      ${previewed ? plan(d.plan!) : html`<p class="muted" id="rotate-hint">First a dry run: it reads the vault and says what a rotation would do, writing nothing.</p>`}
      <div class="button-row">
        <button type="submit" id="rotate-submit" ?disabled=${d.busy || d.reason.trim() === ''} aria-describedby=${previewed ? nothing : 'rotate-hint'}>${previewed ? 'Rotate now' : 'Preview (dry run)'}</button>
        <button type="button" class="secondary" @click=${() => ((dialog = undefined), ctx.refresh())}>Cancel</button>
      </div>
    </form>`;
  };

  const plan = (p: RotatePlan) => html`<div class="plan" role="status">
    <h4>Dry run</h4>
    <p>${p.wouldRotate ? 'A rotation would' : 'A rotation would not'} write a new version of <strong>${p.secretName}</strong> in ${vaultName(p.vaultUrl)}: ${p.reason}</p>
    <dl>
      <dt>Current version</dt><dd><code>${p.currentVersion ?? 'none'}</code></dd>
      <dt>New version expires</dt><dd>${time(p.newVersionExpiresOn)}</dd>
      <dt>Steps</dt><dd>${(p.steps ?? ['claimed', 'switched']).join(' → ')}</dd>
      <dt>Key Vault operations</dt><dd>${p.keyVaultOperations.creates} create, ${p.keyVaultOperations.others} other</dd>
      ${p.consumers?.length ? html`<dt>Consumers</dt><dd>${p.consumers.map((c) => `${c.name} (${c.kind}${typeof c['login'] === 'string' ? `, login ${c['login']}` : ''})`).join('; ')}</dd>` : nothing}
    </dl>
  </div>`;

  const breakGlassForm = (d: Extract<Dialog, { kind: 'break-glass' }>, policyId: string) => {
    const confirmed = d.confirm === policyId;
    return html`<form class="dialog danger-zone" aria-labelledby="bg-heading" @submit=${(e: Event) => (e.preventDefault(), confirmed && void breakGlass())}>
      <h3 id="bg-heading">Break glass: rotate ${policyId} without approvals</h3>
      <p>It runs at once, raises the break-glass alert, and two approvers review it afterwards.</p>
      <label for="bg-justification">Justification (required)</label>
      <textarea id="bg-justification" required maxlength="1024" .value=${d.justification} @input=${(e: Event) => ((d.justification = (e.target as HTMLTextAreaElement).value), ctx.refresh())}></textarea>
      <label for="bg-confirm">Type the policy id, <code>${policyId}</code>, to confirm</label>
      <input id="bg-confirm" autocomplete="off" spellcheck="false" .value=${d.confirm} @input=${(e: Event) => ((d.confirm = (e.target as HTMLInputElement).value), ctx.refresh())}>
      <div class="button-row">
        <button type="submit" class="danger" ?disabled=${d.busy || !confirmed || d.justification.trim() === ''}>Break glass and rotate</button>
        <button type="button" class="secondary" @click=${() => ((dialog = undefined), ctx.refresh())}>Cancel</button>
      </div>
    </form>`;
  };

  const progress = (v: PolicyView) => {
    const active = v.state.rotationInProgress;
    if (!active) return html`<p>No rotation in progress.</p>`;
    // The API names the steps of this policy's strategy and the last one finished; the one after it is where the rotation stands.
    const steps = active.steps;
    const at = steps.indexOf(active.step) + 1;
    const current = steps[at] ?? active.step;
    const doing = active.status === 'waiting-for-drain' ? `waiting to finish ${current}` : active.status === 'failed-will-retry' ? `${current} failed; it will be tried again` : `working on ${current}`;
    return html`
      <p role="status">Rotation <code>${active.rotationId}</code>: ${doing} (attempt ${active.attempt}), started ${time(active.startedAt)} by ${active.trigger}.</p>
      <ol class="steps" aria-label="Steps">
        ${steps.map((step, i) => html`<li class=${i < at ? 'done' : i === at ? 'current' : 'todo'} aria-current=${i === at ? 'step' : nothing}>${step}<span class="visually-hidden">${i < at ? ' (done)' : i === at ? ' (current)' : ''}</span></li>`)}
      </ol>
      ${consumerTable(v, active)}
      ${active.drain
        ? html`<p>Draining <code>${active.drain.login}</code>: ${active.drain.sessions} sessions${active.drain.clients.length > 0 ? ` from ${active.drain.clients.join(', ')}` : ''}; grace ends ${time(active.drain.graceEndsAt)}; next check ${time(active.drain.nextCheckAt)}.</p>`
        : nothing}
    `;
  };

  /** Every consumer of the policy, with where the rotation left it; one the rotation has not updated yet says so. */
  const consumerTable = (v: PolicyView, active: RotationInProgress) => {
    const names = [...new Set([...(v.policy.consumers ?? []).map((c) => c.name), ...active.consumers.map((c) => c.name)])];
    if (names.length === 0) return nothing;
    const kindOf = new Map((v.policy.consumers ?? []).map((c) => [c.name, c.kind]));
    const progressOf = new Map(active.consumers.map((c) => [c.name, c]));
    return scroller(
      'Consumers',
      html`<table>
        <caption>Consumers</caption>
        <thead><tr><th scope="col">Consumer</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Login</th><th scope="col" class="num">Sessions</th><th scope="col">Updated</th></tr></thead>
        <tbody>${names.map((name) => {
          const c = progressOf.get(name);
          return html`<tr><th scope="row">${name}</th><td>${kindOf.get(name) ?? '—'}</td><td>${c?.status ?? 'not updated yet'}</td><td>${c?.login ? html`<code>${c.login}</code>` : '—'}</td><td class="num">${c?.sessions ?? '—'}</td><td>${time(c?.updatedAt)}</td></tr>`;
        })}</tbody>
      </table>`,
    );
  };

  const historyTable = () =>
    history.length === 0
      ? html`<p>No audit records yet.</p>`
      : scroller(
          'History',
          html`<table>
            <caption class="visually-hidden">History from the audit, newest first</caption>
            <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">Detail</th></tr></thead>
            <tbody>
              ${history.map(
                (r) => html`<tr>
                  <td>${time(r.at)}</td><td>${r.action}${r.step ? html` <span class="muted">(${r.step})</span>` : nothing}</td><td>${r.actor}</td>
                  <td>${[r.reason, r.newVersion ? `new version ${r.newVersion}` : '', r.error, r.changedFields?.length ? `changed ${r.changedFields.join(', ')}` : ''].filter(Boolean).join(' · ')}</td>
                </tr>`,
              )}
            </tbody>
          </table>`,
        );

  return {
    title: `Policy ${id}`,
    dispose: () => {
      disposed = true;
      clearTimeout(timer);
    },
    render: () => html`
      <p><a href=${href.policies}>← Policies</a></p>
      <h1>Policy <code>${id}</code></h1>
      ${message ? html`<p class=${message.kind === 'error' ? 'error' : 'notice'} role=${message.kind === 'error' ? 'alert' : 'status'}>${message.text}</p>` : nothing}
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      ${view
        ? html`
            <section aria-labelledby="summary-heading">
              <h2 id="summary-heading">Summary ${statusBadge(statusOf(view, pending, new Date()))}</h2>
              <dl class="summary">
                <dt>Vault</dt><dd>${vaultName(view.policy.vaultUrl)} <span class="muted">${view.policy.vaultUrl}</span></dd>
                <dt>Secret</dt><dd><code>${view.policy.secretName}</code></dd>
                <dt>Environment</dt><dd>${view.policy.environment}</dd>
                <dt>Owner</dt><dd>${view.policy.owner}</dd>
                <dt>Schedule</dt><dd>every ${view.policy.rotation.every}, valid for ${view.policy.rotation.validFor}; generator ${view.policy.generator.kind}</dd>
                <dt>Current version</dt><dd><code>${view.state.currentVersion ?? 'none yet'}</code>${view.state.currentVersionExpiresOn ? html`, expires ${time(view.state.currentVersionExpiresOn, { relativeTo: new Date() })}` : nothing}</dd>
                <dt>Next due</dt><dd>${time(view.state.nextDueAt, { relativeTo: new Date() })}</dd>
                <dt>Last result</dt><dd>${view.state.lastResult ?? 'never rotated'}${view.state.lastRotatedAt ? html`, ${time(view.state.lastRotatedAt)}` : nothing}${view.state.lastError ? html`<div class="error-text">${view.state.lastError}</div>` : nothing}</dd>
                <dt>Enabled</dt><dd>${view.policy.enabled === false ? 'no' : 'yes'}</dd>
              </dl>
              ${statusOf(view, pending, new Date()) === 'parked' ? parkedNotice(view.state.consecutiveFailures) : nothing}
              ${pending.length > 0 ? html`<p class="notice">${pending.length} change request(s) wait for approval: <a href=${href.approvals}>Approvals</a>.</p>` : nothing}
            </section>
            ${actions(view)}
            <section aria-labelledby="progress-heading" aria-live="polite">
              <h2 id="progress-heading">Rotation in progress</h2>
              ${progress(view)}
            </section>
            <section aria-labelledby="history-heading">
              <h2 id="history-heading">History</h2>
              ${historyTable()}
            </section>
          `
        : error
          ? nothing
          : html`<p class="muted" role="status">Loading the policy…</p>`}
    `,
  };
}
