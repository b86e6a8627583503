import { Type, type TSchema } from 'typebox';
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX } from './audit-log.ts';

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Outcome = Type.Union([Type.Literal('success'), Type.Literal('denied'), Type.Literal('failed')]);

/** `:ws`, a workspace slug. */
export const AuditParams = Type.Object({
  ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 63, description: 'Workspace slug' }),
});

const filterProperties = {
  principal: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A principal id or name' })),
  action: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Exact action, e.g. dataset:write or auth:login' }),
  ),
  outcome: Type.Optional(Outcome),
  resource: Type.Optional(
    Type.String({ minLength: 1, maxLength: 2048, description: 'Only resources starting with this path' }),
  ),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Entries at or after this instant' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Entries before this instant' })),
};

/** Filters of the export. */
export const AuditFilterQuery = Type.Object(filterProperties);

/** Filters plus `limit` and `cursor` of the listing. */
export const AuditListQuery = Type.Object({
  ...filterProperties,
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT, description: 'Items per page' }),
  ),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'nextCursor of the previous page' })),
});

/** One audit entry as the API returns it. */
export const AuditItem = Type.Object({
  id: Type.String({ description: 'Increasing in insertion order' }),
  at: Type.String({ format: 'date-time' }),
  workspace: nullable(Type.String()),
  principal: nullable(
    Type.Object({
      id: Type.String(),
      kind: Type.Union([Type.Literal('user'), Type.Literal('service-account')]),
      name: Type.String(),
    }),
  ),
  action: Type.String(),
  method: nullable(Type.String()),
  resource: Type.String(),
  outcome: Outcome,
  status: nullable(Type.Integer()),
  requestId: nullable(Type.String()),
  clientAddress: nullable(Type.String()),
  details: nullable(Type.Record(Type.String(), Type.Unknown())),
});

/** A page of the listing, newest first. */
export const AuditPageBody = Type.Object({
  items: Type.Array(AuditItem),
  nextCursor: nullable(Type.String({ description: 'Pass as cursor to get the next page; null on the last page' })),
});
