import { AssayError } from '@assay/sdk';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

interface ErrorPayload {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * The only place errors become HTTP. Assay errors keep their status and code; schema violations become 400 with
 * the JSON path; Fastify's own client errors keep their 4xx; everything else is a logged 500 that reveals nothing
 * but the request id.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const payload = toPayload(error, request);
    if (payload.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: payload.code, status: payload.status }, payload.message);
    const body = { error: { code: payload.code, message: payload.message, ...detailsOf(payload) } };
    return reply.status(payload.status).send(body);
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: { code: 'ROUTE_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}` },
    }),
  );
}

function toPayload(error: FastifyError, request: FastifyRequest): ErrorPayload {
  if (error instanceof AssayError) {
    return { status: error.status, code: error.code, message: error.message, ...detailsOf(error) };
  }
  if (error.validation !== undefined) {
    const first = error.validation[0];
    const part = error.validationContext ?? 'body';
    const path = `/${part}${first?.instancePath ?? ''}`;
    const reason = first?.message ?? 'is invalid';
    return {
      status: 400,
      code: 'REQUEST_INVALID',
      message: `${path}: ${reason}`,
      details: {
        path,
        reason,
        errors: error.validation.map(({ instancePath, message }) => ({ instancePath, message })),
      },
    };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { status, code: fastifyClientCode(error), message: error.message };
  }
  return {
    status: 500,
    code: 'INTERNAL_ERROR',
    message: `Unexpected error; the server log has the details under request id ${request.id}`,
    details: { requestId: request.id },
  };
}

/** Stable codes for Fastify's own client errors (malformed JSON, wrong content type, body too large, ...). */
function fastifyClientCode(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'REQUEST_MALFORMED';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'REQUEST_TOO_LARGE';
    default:
      return error.statusCode === 429 ? 'RATE_LIMITED' : 'REQUEST_INVALID';
  }
}

function detailsOf(value: { details?: Record<string, unknown> | undefined }): { details?: Record<string, unknown> } {
  return value.details === undefined ? {} : { details: value.details };
}
