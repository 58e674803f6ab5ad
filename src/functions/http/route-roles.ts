/**
 * Which app role each HTTP function needs: the authorization matrix, in one table.
 * httpHandler refuses to register a function missing from it, and a test checks the
 * table against the registrations both ways, so no route is ever left open by omission.
 * A list means any one of its roles; least privilege, so most routes name one.
 */
import type { AppRole } from '../../core/auth/caller.js';

export type RouteAccess = readonly AppRole[] | 'anonymous';

export const ROUTE_ROLES = {
  health: 'anonymous',
  // The API's description: fixed at build, the same for everyone, no data (docs/auth.md says why it is open).
  openApiDocument: 'anonymous',
  // The dashboard's static files and sign-in settings: no data; the API calls the page makes carry the token.
  dashboard: 'anonymous',
  listPolicies: ['Rotation.Read'],
  getPolicy: ['Rotation.Read'],
  listRotations: ['Rotation.Read'],
  putPolicy: ['Policy.Write'],
  deletePolicy: ['Policy.Write'],
  // A dry run changes nothing, but it is an operator's tool: it reads the vault and names what would change.
  rotatePolicy: ['Rotation.Operate'],
  breakGlassRotation: ['Rotation.BreakGlass'],
  listVaultAudit: ['Audit.Read'],
  queryAudit: ['Audit.Read'],
  // Compares the audit's table copies with the archive: names record ids, fields and digests, so auditors only.
  verifyAudit: ['Audit.Read'],
  // Approvers must see what they approve; readers see what is waiting.
  listChangeRequests: ['Rotation.Read', 'Rotation.Approve'],
  getChangeRequest: ['Rotation.Read', 'Rotation.Approve'],
  approveChangeRequest: ['Rotation.Approve'],
  rejectChangeRequest: ['Rotation.Approve'],
  // Only the requester may cancel (the service checks); requesters are writers or operators.
  cancelChangeRequest: ['Policy.Write', 'Rotation.Operate'],
  // Reports read metadata only (never a value, never a principal): readers may see them; checking a body writes nothing.
  inventoryReport: ['Rotation.Read'],
  complianceReport: ['Rotation.Read'],
  driftReport: ['Rotation.Read'],
  costReport: ['Rotation.Read'],
  // Counts per day and result, never a record: who rotated and why stay with Audit.Read.
  rotationTimelineReport: ['Rotation.Read'],
  // The access review names principals and what they hold: auditors only.
  accessReport: ['Audit.Read'],
  checkPolicy: ['Rotation.Read'],
  // kvrot smoke records what it found with the role its dry runs already need; promote's gate reads it.
  recordSmokeTest: ['Rotation.Operate'],
  getLatestSmokeTest: ['Rotation.Read'],
} as const satisfies Record<string, RouteAccess>;

export type RoutedFunction = keyof typeof ROUTE_ROLES;
