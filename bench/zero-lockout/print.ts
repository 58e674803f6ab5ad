/** The zero-lockout figures as the bench prints them: one column per kind, then any failure in full. */
import type { KindFigures, ZeroLockoutFigures } from './measure.js';

type Row = [label: string, value: (kind: KindFigures) => string | number];

const ROWS: Row[] = [
  ['strategy', (k) => k.strategy],
  ['right password accepted', (k) => (k.selfCheck.rightPasswordAccepted ? 'yes' : 'NO')],
  ['wrong password refused', (k) => (k.selfCheck.wrongPasswordRefused ? 'yes' : 'NO: figures meaningless')],
  ['rotations completed', (k) => k.rotations],
  ['rotations killed (planned)', (k) => k.killsPlanned],
  ['kills that fired', (k) => Object.values(k.kills).reduce((a, b) => a + b, 0)],
  ['resumed and completed', (k) => k.resumedRotations],
  ['  under another rotation id', (k) => k.resumedUnderAnotherId],
  ['unplanned failed attempts', (k) => k.unplannedFailures],
  ['drain waits (202)', (k) => k.drainWaits],
  ['  with sessions still open', (k) => k.drainWaitsWithSessions],
  ['probes (sign-ins attempted)', (k) => k.probes.attempts],
  ['  per second', (k) => (k.probes.attempts / k.wallSeconds).toFixed(1)],
  ['  accepted', (k) => k.probes.successes],
  ['  FAILED LOGINS (goal 0)', (k) => k.probes.failedLogins],
  ['  sign-in errors (no verdict)', (k) => k.probes.signInErrors],
  ['  versions signed in with', (k) => k.probes.versionsSeen],
  ['vault reads', (k) => k.probes.vaultReads],
  ['  failed', (k) => k.probes.vaultReadErrors],
  ['  no credential yet', (k) => k.probes.noCredential],
  ['revoked credentials tried', (k) => k.revocation.checked],
  ['  STILL ACCEPTED (goal 0)', (k) => k.revocation.stillAccepted],
  ['  no verdict', (k) => k.revocation.errors],
  ['retired versions read back', (k) => k.revocation.retiredVersionsChecked],
  ['  still readable (goal 0)', (k) => k.revocation.retiredVersionsStillReadable],
  ['wall time (s)', (k) => k.wallSeconds.toFixed(1)],
  ['seconds per rotation', (k) => (k.rotations > 0 ? (k.wallSeconds / k.rotations).toFixed(2) : '-')],
];

export function printZeroLockout(figures: ZeroLockoutFigures, log: (line: string) => void): void {
  const width = 32;
  const column = 20;
  log('');
  log(`Zero lockout: gracePeriod ${figures.grace}, ${Math.round(figures.killRate * 100)}% of rotations killed mid-step (seed ${figures.seed})${figures.revokeEarly ? ', CONTROL: revoked early' : ''}`);
  log(`  ${''.padEnd(width)}${figures.kinds.map((k) => k.kind.padStart(column)).join('')}`);
  for (const [label, value] of ROWS) log(`  ${label.padEnd(width)}${figures.kinds.map((k) => String(value(k)).padStart(column)).join('')}`);
  log('');
  for (const kind of figures.kinds) {
    const kills = Object.entries(kind.kills).sort(([a], [b]) => a.localeCompare(b));
    if (kills.length > 0) log(`  ${kind.kind} kills by port call: ${kills.map(([point, n]) => `${point}=${n}`).join(', ')}`);
    for (const failure of kind.probes.failures) log(`  ${kind.kind} FAILED LOGIN at ${failure.at}: ${failure.username} with version ${failure.version} (${failure.code})`);
    for (const sample of kind.probes.signInErrorSamples.slice(0, 5)) log(`  ${kind.kind} sign-in error: ${sample}`);
    for (const sample of kind.probes.vaultReadErrorSamples.slice(0, 5)) log(`  ${kind.kind} vault read error: ${sample}`);
    for (const sample of kind.unplannedFailureSamples.slice(0, 5)) log(`  ${kind.kind} unplanned failure: ${sample}`);
    for (const sample of kind.revocation.errorSamples.slice(0, 5)) log(`  ${kind.kind} revocation check without verdict: ${sample}`);
  }
  log(`  total wall time ${figures.wallSeconds.toFixed(1)} s (kinds run in parallel, each with its own prober)`);
}
