/**
 * Unit prices and sizes the cost report multiplies by. Defaults are list prices (USD, East
 * US) researched 2026-12 (docs/reports.md, "Cost", has each source); a deployment sets the
 * settings to its own region's or agreement's prices.
 */
export interface CostSettings {
  keyVaultPer10kOperations: number;
  functionsPerMillionExecutions: number;
  functionsPerGbSecond: number;
  tablePer10kTransactions: number;
  queuePer10kOperations: number;
  eventGridPerMillionOperations: number;
  /** Event Grid's free operations per month (per subscription). */
  eventGridFreeOperationsPerMonth: number;
  /** The Flex Consumption instance memory the app runs on (infra's instanceMemoryMB). */
  functionsInstanceMemoryMb: number;
}

export interface CostSettingDescription {
  name: keyof CostSettings;
  setting: string;
  default: number;
  /** Whole numbers only (sizes and counts), or any non-negative amount (prices). */
  integer: boolean;
  description: string;
}

export const COST_SETTINGS: readonly CostSettingDescription[] = [
  { name: 'keyVaultPer10kOperations', setting: 'COST_KEY_VAULT_PER_10K_OPERATIONS_USD', default: 0.03, integer: false, description: 'Key Vault price per 10,000 secret operations (Standard and Premium).' },
  { name: 'functionsPerMillionExecutions', setting: 'COST_FUNCTIONS_PER_MILLION_EXECUTIONS_USD', default: 0.4, integer: false, description: 'Functions Flex Consumption on-demand price per million executions.' },
  { name: 'functionsPerGbSecond', setting: 'COST_FUNCTIONS_PER_GB_SECOND_USD', default: 0.000026, integer: false, description: 'Functions Flex Consumption on-demand price per GB-second of instance memory.' },
  { name: 'tablePer10kTransactions', setting: 'COST_TABLE_PER_10K_TRANSACTIONS_USD', default: 0.00036, integer: false, description: 'Table Storage price per 10,000 transactions.' },
  { name: 'queuePer10kOperations', setting: 'COST_QUEUE_PER_10K_OPERATIONS_USD', default: 0.004, integer: false, description: 'Queue Storage price per 10,000 operations (general-purpose v2, LRS: class 1 and class 2 alike).' },
  { name: 'eventGridPerMillionOperations', setting: 'COST_EVENT_GRID_PER_MILLION_OPERATIONS_USD', default: 0.6, integer: false, description: 'Event Grid basic price per million operations (each event published and each delivery attempt).' },
  { name: 'eventGridFreeOperationsPerMonth', setting: 'COST_EVENT_GRID_FREE_OPERATIONS_PER_MONTH', default: 100_000, integer: true, description: "Event Grid's free operations per month, per subscription." },
  { name: 'functionsInstanceMemoryMb', setting: 'FUNCTIONS_INSTANCE_MEMORY_MB', default: 2048, integer: true, description: "The function app's Flex Consumption instance memory in MB (512, 2048 or 4096): the GB of GB-seconds. infra sets it from instanceMemoryMB." },
];

export const DEFAULT_COST_SETTINGS: Readonly<CostSettings> = Object.freeze(Object.fromEntries(COST_SETTINGS.map((s) => [s.name, s.default])) as unknown as CostSettings);
