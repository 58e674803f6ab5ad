/**
 * The dashboard's small runtime: the signed-in context every view gets, a render loop over
 * lit-html, hash routes, and notices. Views are plain functions of their own state.
 */
import { render, type TemplateResult } from 'lit-html';
import type { Api } from './api.js';
import type { Auth, SignedIn } from './auth.js';
import type { AppRole } from './model/types.js';

export interface Route {
  name: 'overview' | 'policies' | 'policy' | 'approvals' | 'reports';
  /** The policy id or the report kind. */
  param?: string;
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.split('?', 2);
  const query = new URLSearchParams(search);
  const [, name = '', param] = /^#\/([a-z]*)(?:\/(.+))?$/.exec(path) ?? [];
  const decoded = param ? safeDecode(param) : undefined;
  if (name === 'policies' && decoded) return { name: 'policy', param: decoded, query };
  if (name === 'policies' || name === 'approvals') return { name, query };
  if (name === 'reports') return { name, param: decoded ?? 'inventory', query };
  return { name: 'overview', query };
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

export const href = {
  overview: '#/overview',
  policies: '#/policies',
  policy: (id: string) => `#/policies/${encodeURIComponent(id)}`,
  approvals: '#/approvals',
  report: (kind: string) => `#/reports/${kind}`,
};

export interface Context {
  api: Api;
  auth: Auth;
  user: SignedIn;
  can(role: AppRole): boolean;
  /** Draws the page again with the views' current state. */
  refresh(): void;
  notify(message: string, kind?: 'info' | 'error'): void;
}

export interface View {
  title: string;
  render(): TemplateResult;
  /** Called when the person leaves the view: stop timers. */
  dispose?(): void;
}

const rendered = new WeakSet<HTMLElement>();

export function renderInto(root: HTMLElement, template: TemplateResult): void {
  // The first render replaces the static "Loading" text index.html carries.
  if (!rendered.has(root)) {
    root.replaceChildren();
    rendered.add(root);
  }
  render(template, root);
}
