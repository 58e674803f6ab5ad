/**
 * What `validate` and the plan (`plan`, `apply`, `promote`) both print of a Secretfile's reading:
 * each policy's rotation, the footnote on the validFor default, the notes on what kvrot decided,
 * the targets it skips and the warnings (among them how a secret in several vaults was placed).
 */
import { formatLocated, type LocatedMessage, type SkippedTarget } from '../core/secretfile/index.js';
import { shown, table, type Style } from './output.js';

export interface RotationShown {
  every: string;
  validFor: string;
  validForDefault: boolean;
  neverRotated: boolean;
}

/** EVERY and VALID FOR: `*` marks the default validFor, `never` a secret that is never rotated, `-` no policy (a deletion). */
export function rotationCells(rotation: RotationShown | null): [string, string] {
  if (!rotation) return ['-', '-'];
  if (rotation.neverRotated) return ['never', '-'];
  return [shown(rotation.every), `${shown(rotation.validFor)}${rotation.validForDefault ? '*' : ''}`];
}

export function validForFootnote(rotations: readonly (RotationShown | null)[], style: Style): string {
  if (!rotations.some((rotation) => rotation?.validForDefault && !rotation.neverRotated)) return '';
  return style.dim("  * not in the file: every + 30 days (Key Vault's near-expiry window) + 7 days; set x-kvrot.validFor to choose\n");
}

/** Each policy's notes, but the validFor one, which the footnote says for all. */
export function notesHuman(entries: readonly { policyId: string; notes: readonly string[] }[], style: Style): string {
  const notes = entries.flatMap(({ policyId, notes }) => notes.filter((note) => !note.startsWith('validFor ')).map((note) => `  ${shown(policyId)}: ${shown(note)}`));
  return notes.length > 0 ? `\n${style.bold('Notes')}\n${notes.join('\n')}\n` : '';
}

export function skippedHuman(skipped: readonly SkippedTarget[], style: Style): string {
  if (skipped.length === 0) return '';
  const rows = skipped.map((target) => [`${shown(target.file)}:${target.line}:${target.column}`, shown(target.path), shown(target.secret), shown(target.provider), shown(target.kind)]);
  return `\n${style.bold(`Skipped targets (${skipped.length})`)}${style.dim(' kvrot serves Azure Key Vault only; SecretZero keeps these')}\n${table(['WHERE', 'PATH', 'SECRET', 'PROVIDER', 'KIND'], rows, style)}`;
}

export function warningsHuman(warnings: readonly LocatedMessage[], style: Style): string {
  if (warnings.length === 0) return '';
  return `\n${style.bold(`Warnings (${warnings.length})`)}\n${warnings.map((warning) => `  ${style.yellow('warning')} ${shown(formatLocated(warning))}\n`).join('')}`;
}
