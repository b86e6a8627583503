import { Type } from 'typebox';

/** The body of every error response: `{ error: { code, message, details? } }`. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code; branch on this, not on message' }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'ErrorBody', title: 'Error' },
);

/** Response schemas for the error statuses a route may answer with, to spread into `schema.response`. */
export const errorResponses = {
  400: Type.Ref('ErrorBody'),
  404: Type.Ref('ErrorBody'),
  409: Type.Ref('ErrorBody'),
  500: Type.Ref('ErrorBody'),
} as const;
