/**
 * What a rotation writes besides the value: the content type and tags of each new version.
 * The engine writes them; the drift report compares the vault against them.
 */
import { defaultContentType } from '../generators/index.js';
import { CREDENTIAL_CONTENT_TYPE, MANAGED_BY_VALUE, MANAGED_TAGS, loginConsumersOf, type RotationPolicy } from './policy.js';

/** Templates are JSON unless the policy says otherwise; with consumers that hold a login the value is the JSON credential. */
export function contentTypeFor(policy: RotationPolicy): string | undefined {
  if (loginConsumersOf(policy).length > 0) return policy.contentType ?? CREDENTIAL_CONTENT_TYPE;
  return policy.contentType ?? defaultContentType(policy.generator);
}

/** The policy's tags plus ours; `rotationId` names the rotation that writes the version. */
export function tagsFor(policy: RotationPolicy, rotationId: string): Record<string, string> {
  return {
    ...policy.tags,
    [MANAGED_TAGS.managedBy]: MANAGED_BY_VALUE,
    [MANAGED_TAGS.policyId]: policy.id,
    [MANAGED_TAGS.rotationId]: rotationId,
  };
}
