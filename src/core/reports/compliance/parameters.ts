/**
 * The compliance rules' parameters: defaults, defaults for protected environments, and
 * per-environment overrides. config.ts reads the settings named here into ComplianceSettings;
 * a report resolves them for each subject's environment.
 */
import { isProtectedEnvironment } from '../../approvals/governance-settings.js';

export interface ComplianceParameters {
  /** Azure Policy "Secrets should have the specified maximum validity period": exp - created at most this. */
  maxValidityDays: number;
  /** Azure Policy "Secrets should have more than the specified number of days before expiration". */
  minDaysBeforeExpiry: number;
  /** Azure Policy "Secrets should not be active for longer than the specified number of days". */
  maxActiveDays: number;
  /** Generated passwords at least this long; 0 checks nothing. */
  minPasswordLength: number;
}

export type ComplianceParameterName = keyof ComplianceParameters;

export interface ComplianceParameterDescription {
  name: ComplianceParameterName;
  setting: string;
  default: number;
  /** The setting and default for protected environments, where they differ. */
  protectedSetting?: string;
  protectedDefault?: number;
  /** 0 allowed (the check is off)? */
  allowsZero: boolean;
  description: string;
}

export const COMPLIANCE_PARAMETERS: readonly ComplianceParameterDescription[] = [
  {
    name: 'maxValidityDays',
    setting: 'COMPLIANCE_MAX_VALIDITY_DAYS',
    default: 365,
    protectedSetting: 'COMPLIANCE_MAX_VALIDITY_DAYS_PROTECTED',
    protectedDefault: 90,
    allowsZero: false,
    description: "A secret's current version may be valid at most this many days from its creation (exp - created).",
  },
  {
    name: 'minDaysBeforeExpiry',
    setting: 'COMPLIANCE_MIN_DAYS_BEFORE_EXPIRY',
    default: 30,
    allowsZero: false,
    description: "A secret's current version must have at least this many days left before it expires; a policy must rotate at least this long before expiry.",
  },
  {
    name: 'maxActiveDays',
    setting: 'COMPLIANCE_MAX_ACTIVE_DAYS',
    default: 90,
    allowsZero: false,
    description: "A secret's current version may be active (since notBefore, or its creation) at most this many days.",
  },
  {
    name: 'minPasswordLength',
    setting: 'COMPLIANCE_MIN_PASSWORD_LENGTH',
    default: 0,
    protectedSetting: 'COMPLIANCE_MIN_PASSWORD_LENGTH_PROTECTED',
    protectedDefault: 24,
    allowsZero: true,
    description: 'Generated passwords must have at least this many characters (0: not checked).',
  },
];

/** The setting holding per-environment overrides, as JSON: {"<environment>": {"<parameter>": <days or length>}}. */
export const COMPLIANCE_OVERRIDES_SETTING = 'COMPLIANCE_ENVIRONMENT_OVERRIDES';

export interface ComplianceSettings {
  defaults: ComplianceParameters;
  /** Applied on top of the defaults for every protected environment. */
  protectedDefaults: Partial<ComplianceParameters>;
  /** Keyed by lower-case environment name; applied last. */
  environments: Record<string, Partial<ComplianceParameters>>;
  protectedEnvironments: readonly string[];
}

function defaultsOf(pick: (p: ComplianceParameterDescription) => number | undefined): Partial<ComplianceParameters> {
  const values: Partial<ComplianceParameters> = {};
  for (const parameter of COMPLIANCE_PARAMETERS) {
    const value = pick(parameter);
    if (value !== undefined) values[parameter.name] = value;
  }
  return values;
}

export const DEFAULT_COMPLIANCE_PARAMETERS: Readonly<ComplianceParameters> = Object.freeze(defaultsOf((p) => p.default) as ComplianceParameters);
export const DEFAULT_PROTECTED_COMPLIANCE_PARAMETERS: Readonly<Partial<ComplianceParameters>> = Object.freeze(defaultsOf((p) => p.protectedDefault));

export function defaultComplianceSettings(protectedEnvironments: readonly string[]): ComplianceSettings {
  return { defaults: { ...DEFAULT_COMPLIANCE_PARAMETERS }, protectedDefaults: { ...DEFAULT_PROTECTED_COMPLIANCE_PARAMETERS }, environments: {}, protectedEnvironments };
}

/** Whether the environment is protected, compared as the approvals compare it (trimmed, case-insensitive). */
export function isProtected(settings: Pick<ComplianceSettings, 'protectedEnvironments'>, environment: string | undefined): boolean {
  return isProtectedEnvironment({ protectedEnvironments: [...settings.protectedEnvironments] }, environment);
}

export function parametersFor(settings: ComplianceSettings, environment: string | undefined): ComplianceParameters {
  const own = environment === undefined ? undefined : settings.environments[environment.trim().toLowerCase()];
  return {
    ...settings.defaults,
    ...(isProtected(settings, environment) ? settings.protectedDefaults : {}),
    ...own,
  };
}
