import { OperationalError } from '@assay/sdk';

/**
 * PostgreSQL's "undefined table" (42P01) as `DATABASE_NOT_MIGRATED`, for commands that go straight to the database:
 * it was never migrated by this version of Assay. Undefined for any other error.
 */
export function databaseNotMigrated(error: unknown, tables: string): OperationalError | undefined {
  if ((error as { code?: unknown }).code !== '42P01') return undefined;
  return new OperationalError(
    `The database has no ${tables} tables yet: run "assay migrate" (or start Assay once) first`,
    { code: 'DATABASE_NOT_MIGRATED', cause: error },
  );
}
