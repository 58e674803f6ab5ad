/**
 * The compliance report's sections: the policy rules over every policy, then the secret rules
 * over every secret of every governed vault. Other kinds of subject (vault settings) are more
 * sections, appended where the report is composed.
 */
import type { ConsumerCatalog } from '../../consumers/consumer-port.js';
import type { SecretListing } from '../../ports.js';
import { RuleSection, type FindingSection } from '../findings-report.js';
import { replicaLookup } from '../replicas.js';
import { policySource, secretSource } from '../sources.js';
import { POLICY_RULES } from './policy-rules.js';
import { SECRET_RULES } from './secret-rules.js';
import { policySubjects, secretSubjects } from './subjects.js';

/** `catalog` tells which consumers write replicas: a replica is its policy's, not a secret without one. */
export function complianceSections(listing: SecretListing, catalog: ConsumerCatalog): FindingSection[] {
  return [new RuleSection('policies', policySubjects, POLICY_RULES, policySource), new RuleSection('secrets', secretSubjects, SECRET_RULES, secretSource(listing, replicaLookup(catalog)))];
}
