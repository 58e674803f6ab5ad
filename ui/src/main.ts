/** Starts the dashboard: reads config.json, finishes or offers sign-in, then routes by the URL's hash. */
import { html, nothing, type TemplateResult } from 'lit-html';
import { Api } from './api.js';
import { href, parseRoute, renderInto, type Context, type Route, type View } from './app.js';
import { Auth, loadConfig, type DashboardConfig } from './auth.js';
import { approvalsView } from './views/approvals.js';
import { errorText } from './views/common.js';
import { overviewView } from './views/overview.js';
import { policiesView } from './views/policies.js';
import { policyView } from './views/policy.js';
import { reportsView } from './views/reports.js';

const root = document.getElementById('app')!;
let current: { key: string; view: View } | undefined;
let ctx: Context | undefined;
let notice: { text: string; kind: 'info' | 'error' } | undefined;

const NAV: { name: Route['name']; label: string; link: string }[] = [
  { name: 'overview', label: 'Overview', link: href.overview },
  { name: 'policies', label: 'Policies', link: href.policies },
  { name: 'approvals', label: 'Approvals', link: href.approvals },
  { name: 'reports', label: 'Reports', link: href.report('inventory') },
];

function viewFor(context: Context, route: Route): View {
  switch (route.name) {
    case 'policies':
      return policiesView(context, route);
    case 'policy':
      return policyView(context, route.param!);
    case 'approvals':
      return approvalsView(context);
    case 'reports':
      return reportsView(context, route.param);
    case 'overview':
      return overviewView(context);
  }
}

function shell(context: Context, route: Route, body: TemplateResult): TemplateResult {
  const active = route.name === 'policy' ? 'policies' : route.name;
  return html`
    <a class="skip" href="#main">Skip to the content</a>
    <header class="top">
      <a class="brand" href=${href.overview}>Key Vault rotation governance</a>
      <nav aria-label="Main">
        <ul>${NAV.map((item) => html`<li><a href=${item.link} aria-current=${item.name === active ? 'page' : nothing}>${item.label}</a></li>`)}</ul>
      </nav>
      <div class="who">
        <span><span class="visually-hidden">Signed in as </span><strong data-testid="user">${context.user.name}</strong></span>
        <span class="roles" data-testid="roles">${[...context.user.roles].join(', ') || 'no app roles'}</span>
        <button type="button" class="secondary" @click=${() => void context.auth.signOut()}>Sign out</button>
      </div>
    </header>
    ${notice ? html`<p class=${notice.kind === 'error' ? 'error banner' : 'notice banner'} role=${notice.kind === 'error' ? 'alert' : 'status'}>${notice.text}</p>` : nothing}
    <main id="main" tabindex="-1">${body}</main>
    <footer class="muted">No secret value ever reaches this page. Times are in your zone; hover for UTC.</footer>
  `;
}

function draw(): void {
  if (!ctx) return;
  const route = parseRoute(location.hash);
  const key = `${route.name}/${route.param ?? ''}/${route.query}`;
  if (current?.key !== key) {
    current?.view.dispose?.();
    current = { key, view: viewFor(ctx, route) };
    document.title = `${current.view.title} · Key Vault rotation governance`;
  }
  renderInto(root, shell(ctx, route, current.view.render()));
}

function signInPage(auth: Auth | undefined, config: DashboardConfig | undefined, problem?: string): TemplateResult {
  const configured = config?.signIn === 'configured';
  return html`
    <main id="main" class="sign-in">
      <h1>Key Vault rotation governance</h1>
      <p>See what is due, failing, parked, waiting for a drain or for approval, and where the vaults are out of policy; act within your app roles.</p>
      ${problem ? html`<p class="error" role="alert">${problem}</p>` : nothing}
      ${configured
        ? html`<button type="button" @click=${() => void auth?.signIn(location.hash || href.overview)}>Sign in</button>
            <p class="muted">You sign in at ${new URL(config.authority).host}; the page then calls the API with your token.</p>`
        : html`<p>Sign-in is not configured for this deployment: set <code>DASHBOARD_CLIENT_ID</code> (docs/auth.md).</p>`}
    </main>
  `;
}

async function start(): Promise<void> {
  let config: DashboardConfig | undefined;
  let auth: Auth | undefined;
  try {
    config = await loadConfig();
    auth = new Auth(config);
    const returnedTo = await auth.start();
    if (returnedTo && returnedTo.startsWith('#/')) history.replaceState(null, '', returnedTo);
  } catch (error) {
    const hint = config && config.protocolMode === 'OIDC' ? ` The sign-in page at ${new URL(config.authority).origin} must be trusted by this browser (locally: its CA is the caCertPath npm start prints).` : '';
    renderInto(root, signInPage(auth, config, `Sign-in failed: ${errorText(error)}.${hint}`));
    return;
  }
  const user = auth.user;
  if (!user) {
    renderInto(root, signInPage(auth, config));
    return;
  }
  const api = new Api(auth);
  ctx = {
    api,
    auth,
    user,
    can: (role) => user.roles.has(role),
    refresh: () => queueMicrotask(draw),
    notify: (text, kind = 'info') => {
      notice = { text, kind };
      draw();
    },
  };
  window.addEventListener('hashchange', () => {
    notice = undefined;
    draw();
    document.getElementById('main')?.focus();
  });
  draw();
}

void start();
