import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { parametersFor } from '../src/core/reports/compliance/parameters.js';

const base = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', AUTH_TENANT_ID: 'local-tests', AUTH_AUDIENCES: 'api://kv-rotation' };

describe('loadConfig: the reports settings', () => {
  it('reads compliance parameters, protected defaults and per-environment overrides', () => {
    // Act
    const { compliance } = loadConfig({
      ...base,
      COMPLIANCE_MAX_VALIDITY_DAYS: '180',
      COMPLIANCE_MAX_VALIDITY_DAYS_PROTECTED: '60',
      COMPLIANCE_MAX_ACTIVE_DAYS: '45',
      COMPLIANCE_ENVIRONMENT_OVERRIDES: '{"Dev":{"maxActiveDays":365},"production":{"minPasswordLength":32}}',
    }).reports;

    // Assert
    expect(parametersFor(compliance, 'test')).toEqual({ maxValidityDays: 180, minDaysBeforeExpiry: 30, maxActiveDays: 45, minPasswordLength: 0 });
    expect(parametersFor(compliance, 'PRODUCTION')).toEqual({ maxValidityDays: 60, minDaysBeforeExpiry: 30, maxActiveDays: 45, minPasswordLength: 32 });
    expect(parametersFor(compliance, 'dev')).toEqual({ maxValidityDays: 180, minDaysBeforeExpiry: 30, maxActiveDays: 365, minPasswordLength: 0 });
    expect(parametersFor(compliance, 'staging').maxValidityDays).toBe(60);
  });

  it('reads prices and the reports\' Key Vault share', () => {
    // Act
    const { costs, keyVaultOperationsPer10Seconds } = loadConfig({ ...base, COST_KEY_VAULT_PER_10K_OPERATIONS_USD: '0.035', FUNCTIONS_INSTANCE_MEMORY_MB: '4096', REPORTS_KEY_VAULT_OPERATIONS_PER_10_SECONDS: '500' }).reports;

    // Assert
    expect(costs.keyVaultPer10kOperations).toBe(0.035);
    expect(costs.functionsInstanceMemoryMb).toBe(4096);
    expect(keyVaultOperationsPer10Seconds).toBe(500);
  });

  it.each([
    ['COMPLIANCE_MAX_VALIDITY_DAYS', '0'],
    ['COMPLIANCE_MIN_DAYS_BEFORE_EXPIRY', '-3'],
    ['COMPLIANCE_MAX_ACTIVE_DAYS', '1.5'],
    ['COMPLIANCE_ENVIRONMENT_OVERRIDES', 'not json'],
    ['COMPLIANCE_ENVIRONMENT_OVERRIDES', '{"dev":{"maxAge":3}}'],
    ['COMPLIANCE_ENVIRONMENT_OVERRIDES', '{"dev":{"maxActiveDays":0}}'],
    ['COST_TABLE_PER_10K_TRANSACTIONS_USD', 'cheap'],
    ['FUNCTIONS_INSTANCE_MEMORY_MB', '1024'],
    ['REPORTS_KEY_VAULT_OPERATIONS_PER_10_SECONDS', '0'],
  ])('refuses %s=%s naming the setting', (name, value) => {
    // Act
    const load = () => loadConfig({ ...base, [name]: value });

    // Assert
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(name);
  });

  it('allows a minimum password length of 0 (not checked)', () => {
    expect(loadConfig({ ...base, COMPLIANCE_MIN_PASSWORD_LENGTH_PROTECTED: '0' }).reports.compliance.protectedDefaults.minPasswordLength).toBe(0);
  });
});
