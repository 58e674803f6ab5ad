/**
 * Approvals: change requests waiting, each with the exact difference it would make to the policy
 * as stored now, and approve or reject for approvers. Nobody can approve their own request: the
 * button says why it is disabled (and the API refuses it anyway).
 */
import { html, nothing, type TemplateResult } from 'lit-html';
import { href, type Context, type View } from '../app.js';
import { ApiError } from '../api.js';
import { policyDiff, type FieldChange } from '../model/diff.js';
import type { ChangeRequest, PolicyView } from '../model/types.js';
import { errorText, time, type Loadable } from './common.js';

interface Item {
  request: ChangeRequest;
  /** The policy as stored now; undefined when it does not exist (a create). */
  current?: PolicyView;
}

const ACTIONS: Readonly<Record<string, string>> = {
  'policy.create': 'Create the policy',
  'policy.replace': 'Replace the policy',
  'policy.delete': 'Delete the policy',
  'policy.enable': 'Enable the policy',
  'policy.disable': 'Disable the policy',
  'rotation.rotate': 'Rotate now',
  'rotation.break-glass': 'Review a break-glass rotation',
};

export function approvalsView(ctx: Context): View {
  const items: Loadable<Item[]> = { loading: true };
  const comments = new Map<string, string>();
  const busy = new Set<string>();
  let message: { text: string; kind: 'info' | 'error' } | undefined;

  const load = async () => {
    try {
      const [pending, review] = await Promise.all([ctx.api.all<ChangeRequest>('/change-requests?status=pending&pageSize=1000'), ctx.api.all<ChangeRequest>('/change-requests?status=review&pageSize=1000')]);
      items.data = await Promise.all(
        [...pending, ...review].map(async (request) => {
          try {
            return { request, current: await ctx.api.get<PolicyView>(`/policies/${encodeURIComponent(request.policyId)}`) };
          } catch (error) {
            if (error instanceof ApiError && error.status === 404) return { request };
            throw error;
          }
        }),
      );
      items.error = undefined;
    } catch (error) {
      items.error = errorText(error);
    }
    ctx.refresh();
  };
  void load();

  const decide = async (request: ChangeRequest, decision: 'approve' | 'reject' | 'cancel') => {
    busy.add(request.id);
    ctx.refresh();
    try {
      const text = comments.get(request.id)?.trim();
      const body = decision === 'approve' ? (text ? { comment: text } : {}) : decision === 'reject' ? (text ? { reason: text } : {}) : {};
      const answer = await ctx.api.call<ChangeRequest>('POST', `/change-requests/${encodeURIComponent(request.id)}/${decision}`, body);
      const done = answer.body;
      message = {
        text: `${ACTIONS[done.action] ?? done.action} on ${done.policyId}: ${done.status}${done.execution?.result ? ` (${done.execution.result.summary})` : ''}${done.status === 'pending' ? `, ${done.approvals.length} approval(s) so far` : ''}.`,
        kind: done.status === 'failed' ? 'error' : 'info',
      };
    } catch (error) {
      message = { text: errorText(error), kind: 'error' };
    }
    busy.delete(request.id);
    await load();
  };

  const card = ({ request, current }: Item): TemplateResult => {
    const mine = request.requester.oid === ctx.user.oid;
    const approvedByMe = request.approvals.some((a) => a.oid === ctx.user.oid);
    const canApprove = ctx.can('Rotation.Approve');
    const why = mine ? 'You asked for this change: another approver must decide it.' : approvedByMe ? 'You approved this already; another approver must add theirs.' : '';
    const reasonId = `why-${request.id}`;
    // A break-glass rotation already ran; its review (approve with a comment) closes it and never expires.
    const review = request.status === 'review';
    const commentMissing = review && !(comments.get(request.id) ?? '').trim();
    return html`<article class="request" aria-labelledby=${`title-${request.id}`}>
      <h2 id=${`title-${request.id}`}>${ACTIONS[request.action] ?? request.action}: <a href=${href.policy(request.policyId)}>${request.policyId}</a> <span class="badge">${request.environment}</span></h2>
      ${review
        ? html`<p>Glass broken by <strong>${request.requester.displayName}</strong> ${time(request.requestedAt)}; the review does not expire. Status: ${request.status}.</p>`
        : html`<p>Asked by <strong>${request.requester.displayName}</strong> ${time(request.requestedAt)}; expires ${time(request.expiresAt, { relativeTo: new Date() })}. Status: ${request.status}.</p>`}
      ${what(request, current)}
      <p>Approvals so far: ${request.approvals.length === 0 ? 'none' : request.approvals.map((a) => `${a.displayName}${a.comment ? ` (“${a.comment}”)` : ''}`).join(', ')}</p>
      ${canApprove || mine
        ? html`<div class="decision">
            ${canApprove && !mine
              ? html`<label for=${`comment-${request.id}`}>${review ? 'Review comment (required)' : 'Comment or reason (optional)'}</label>
                  <input id=${`comment-${request.id}`} maxlength="512" ?required=${review} .value=${comments.get(request.id) ?? ''} @input=${(e: Event) => (comments.set(request.id, (e.target as HTMLInputElement).value), review && ctx.refresh())}>`
              : nothing}
            <div class="button-row">
              ${canApprove
                ? html`<button type="button" ?disabled=${mine || approvedByMe || commentMissing || busy.has(request.id)} aria-describedby=${why || commentMissing ? reasonId : nothing} @click=${() => decide(request, 'approve')}>${review ? 'Mark reviewed' : 'Approve'}</button>
                    ${request.status === 'pending' ? html`<button type="button" class="secondary" ?disabled=${mine || busy.has(request.id)} aria-describedby=${why ? reasonId : nothing} @click=${() => decide(request, 'reject')}>Reject</button>` : nothing}`
                : nothing}
              ${mine && request.status === 'pending' && (ctx.can('Policy.Write') || ctx.can('Rotation.Operate')) ? html`<button type="button" class="secondary" ?disabled=${busy.has(request.id)} @click=${() => decide(request, 'cancel')}>Withdraw my request</button>` : nothing}
            </div>
            ${(why || commentMissing) && canApprove ? html`<p id=${reasonId} class="why">${why || 'Write a review comment to mark it reviewed.'}</p>` : nothing}
          </div>`
        : nothing}
    </article>`;
  };

  return {
    title: 'Approvals',
    render: () => html`
      <h1>Approvals</h1>
      <p class="muted">Changes to policies of protected environments, and on-demand rotations of them, wait here until enough other people approve exactly what was asked. Break-glass rotations wait here for their review.</p>
      ${message ? html`<p class=${message.kind === 'error' ? 'error' : 'notice'} role=${message.kind === 'error' ? 'alert' : 'status'}>${message.text}</p>` : nothing}
      ${items.error ? html`<p class="error" role="alert">Could not load the requests: ${items.error}</p>` : nothing}
      ${items.data === undefined ? html`<p class="muted" role="status">Loading the requests…</p>` : items.data.length === 0 ? html`<p>Nothing waits for approval.</p>` : items.data.map(card)}
    `,
  };
}

/** What approving would do: the exact field changes for a policy change, the reason for a rotation. */
function what(request: ChangeRequest, current: PolicyView | undefined): TemplateResult {
  if (request.action === 'rotation.rotate' || request.action === 'rotation.break-glass') {
    const reason = String(request.body['reason'] ?? request.body['justification'] ?? '');
    return html`<p>${request.action === 'rotation.rotate' ? 'Writes a new version of' : 'Rotated'} <code>${current?.policy.secretName ?? request.policyId}</code>${current ? html` in ${current.policy.vaultUrl}` : nothing}. Reason: “${reason}”. The value itself is never shown.</p>`;
  }
  const requested = request.action === 'policy.delete' ? undefined : request.action === 'policy.enable' || request.action === 'policy.disable' ? { ...(current?.policy ?? {}), ...request.body } : request.body;
  const changes = policyDiff(current?.policy, requested as Record<string, unknown> | undefined);
  const stale = current && request.policyEtag && current.etag !== request.policyEtag;
  return html`
    ${stale ? html`<p class="error">The policy changed since this was asked: the request is void and will not run.</p>` : nothing}
    ${changes.length === 0 ? html`<p>No field would change.</p>` : diffTable(changes)}
  `;
}

function show(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value);
}

function diffTable(changes: FieldChange[]): TemplateResult {
  return html`<div class="scroller" role="region" aria-label="What would change" tabindex="0"><table class="diff">
    <caption>What would change</caption>
    <thead><tr><th scope="col">Field</th><th scope="col">Now</th><th scope="col">After approval</th></tr></thead>
    <tbody>
      ${changes.map(
        (c) => html`<tr class=${`diff-${c.kind}`}>
          <th scope="row"><code>${c.path || '(policy)'}</code> <span class="visually-hidden">${c.kind}</span></th>
          <td>${c.kind === 'added' ? html`<span class="muted">absent</span>` : html`<del><code>${show(c.before)}</code></del>`}</td>
          <td>${c.kind === 'removed' ? html`<span class="muted">removed</span>` : html`<ins><code>${show(c.after)}</code></ins>`}</td>
        </tr>`,
      )}
    </tbody>
  </table></div>`;
}
