/**
 * Turns Table Storage failures into domain errors. Azurite leaves `code`
 * undefined for entity errors, so the HTTP status is what we trust.
 */
import type { TableClient } from '@azure/data-tables';
import {
  ConcurrencyConflictError,
  DomainError,
  NotFoundError,
  PermanentDependencyError,
  TransientDependencyError,
} from '../../core/errors.js';

interface RestErrorLike {
  name: string;
  message: string;
  statusCode?: number;
  code?: string;
}

function isRestError(error: unknown): error is RestErrorLike {
  // Duck-typed: several copies of @azure/core-rest-pipeline can coexist, so instanceof is unreliable.
  return error instanceof Error && error.name === 'RestError';
}

/** The HTTP status of a Table Storage failure, or undefined when there was no response (network). */
export function statusOf(error: unknown): number | undefined {
  return isRestError(error) ? error.statusCode : undefined;
}

/**
 * Maps a failure of `operation` (e.g. "create policy 'p1'") to a domain error.
 * 409/412 lost a race, 404 is absence, 408/429/5xx and network failures may pass,
 * any other 4xx will not. Errors that are already domain errors pass through.
 */
export function mapTableError(error: unknown, operation: string): Error {
  if (error instanceof DomainError) return error;
  if (error instanceof Error && error.name === 'AbortError') return error;
  if (!isRestError(error)) return error instanceof Error ? error : new Error(String(error));
  const status = error.statusCode;
  const detail = `Table Storage ${status ?? error.code ?? 'network error'}`;
  const message = `${operation} failed: ${detail}`;
  if (status === 409 || status === 412) return new ConcurrencyConflictError(message, { cause: error });
  if (status === 404) return new NotFoundError(message, { cause: error });
  if (status === undefined || status === 408 || status === 429 || status >= 500) {
    return new TransientDependencyError(message, { cause: error });
  }
  return new PermanentDependencyError(message, { cause: error });
}

/** Creates the table if it is not there; safe to repeat and to race (the SDK treats 409 TableAlreadyExists as success). */
export async function createTableIfMissing(table: TableClient): Promise<void> {
  try {
    await table.createTable();
  } catch (error) {
    throw mapTableError(error, `create table '${table.tableName}'`);
  }
}
