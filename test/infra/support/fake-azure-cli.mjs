#!/usr/bin/env node
// A stand-in for the `az` and `azd` commands infra/hooks/app-registration.sh runs, keeping a
// small directory (apps, service principals, the azd environment) in the JSON file named by
// FAKE_AZ_STATE, and logging every call. It keeps the Graph rules the hook has to live with:
// an enabled app role or scope cannot be removed, and a scope can only be pre-authorized once
// it exists, not in the request that creates it. Usage: fake-azure-cli.mjs az|azd <args...>
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const statePath = process.env.FAKE_AZ_STATE;
const state = JSON.parse(readFileSync(statePath, 'utf8'));
const [tool, ...args] = process.argv.slice(2);
state.calls.push([tool, ...args].join(' '));

const option = (name) => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};
const fileArg = (name) => JSON.parse(readFileSync(option(name).replace(/^@/, ''), 'utf8'));
/** The command's words, before its first option: 'ad app create', 'rest', 'env set'. */
const firstOption = args.findIndex((arg) => arg.startsWith('-'));
const words = (firstOption < 0 ? args : args.slice(0, firstOption)).join(' ');

function done(output = '', code = 0, error = '') {
  writeFileSync(statePath, JSON.stringify(state, null, 2));
  if (output) process.stdout.write(`${output}\n`);
  if (error) process.stderr.write(`${error}\n`);
  process.exit(code);
}

/** Graph refuses to drop an enabled role or scope: it must be disabled in an earlier request. */
function removedWhileEnabled(before = [], after = []) {
  return before.filter((old) => old.isEnabled !== false && !after.some((kept) => kept.id === old.id));
}

const app = (id) => state.apps.find((a) => a.appId === id);

if (tool === 'azd') {
  if (args[0] !== 'env' || args[1] !== 'set' || args.length !== 4) done('', 1, `fake azd: unexpected ${args.join(' ')}`);
  state.env[args[2]] = args[3];
  done();
}

if (words === 'account show') {
  if (!state.signedIn) done('', 1, "ERROR: Please run 'az login' to setup account.");
  done(state.tenantId);
}
if (words === 'ad app show') {
  const found = app(option('--id'));
  found ? done(found.appId) : done('', 3, 'ERROR: Resource does not exist');
}
if (words === 'ad app list') {
  done(state.apps.find((a) => a.identifierUris.includes(option('--identifier-uri')))?.appId ?? '');
}
if (words === 'ad app create') {
  const created = {
    appId: randomUUID(),
    displayName: option('--display-name'),
    signInAudience: option('--sign-in-audience'),
    identifierUris: [option('--identifier-uris')],
    appRoles: fileArg('--app-roles'),
    api: {},
  };
  state.apps.push(created);
  done(created.appId);
}
if (words === 'ad app update') {
  const found = app(option('--id'));
  if (!found) done('', 3, 'ERROR: Resource does not exist');
  const roles = fileArg('--app-roles');
  if (removedWhileEnabled(found.appRoles, roles).length > 0) done('', 1, 'ERROR: Property value cannot be deleted unless it is first disabled.');
  Object.assign(found, { identifierUris: [option('--identifier-uris')], appRoles: roles });
  done();
}
if (words === 'ad sp show') {
  state.servicePrincipals.includes(option('--id')) ? done(`sp-${option('--id')}`) : done('', 3, 'ERROR: Resource does not exist');
}
if (words === 'ad sp create') {
  state.servicePrincipals.push(option('--id'));
  done(`sp-${option('--id')}`);
}
if (words === 'rest') {
  const appId = /applications\(appId='([^']+)'\)/.exec(option('--url') ?? '')?.[1];
  const found = app(appId);
  if (option('--method') !== 'PATCH' || !found) done('', 1, `fake az rest: unexpected ${args.join(' ')}`);
  const api = fileArg('--body').api ?? {};
  const known = (found.api.oauth2PermissionScopes ?? []).map((scope) => scope.id);
  const unknown = (api.preAuthorizedApplications ?? []).flatMap((p) => p.delegatedPermissionIds).filter((id) => !known.includes(id));
  if (unknown.length > 0) done('', 1, 'Bad Request: Property api.preAuthorizedApplications.delegatedPermissionIds has a Permission Id that cannot be found.');
  if (api.oauth2PermissionScopes && removedWhileEnabled(found.api.oauth2PermissionScopes, api.oauth2PermissionScopes).length > 0) {
    done('', 1, 'Bad Request: Permission (scope or role) cannot be deleted or updated unless disabled first.');
  }
  found.api = { ...found.api, ...api };
  done();
}
done('', 2, `fake az: unexpected ${args.join(' ')}`);
