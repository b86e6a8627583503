import { Secret, Type, type Static, type UiHints } from '@assay/sdk';

const Auth = Type.Union(
  [
    Type.Object({ type: Type.Literal('none') }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('bearer'), token: Secret() }, { additionalProperties: false }),
    Type.Object(
      { type: Type.Literal('basic'), username: Type.String(), password: Secret() },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('apiKey'),
        name: Type.String({ minLength: 1, description: 'Header or query parameter name, e.g. X-API-Key' }),
        in: Type.Union([Type.Literal('header'), Type.Literal('query')], { default: 'header' }),
        value: Secret(),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('oauth2'),
        tokenUrl: Type.String({ minLength: 1 }),
        clientId: Type.String({ minLength: 1 }),
        clientSecret: Secret(),
        scope: Type.Optional(Type.String()),
        audience: Type.Optional(Type.String()),
      },
      { additionalProperties: false, description: 'OAuth2 client credentials; the token is refreshed before expiry' },
    ),
  ],
  { default: { type: 'none' } },
);
export type HttpAuth = Static<typeof Auth>;

const Pagination = Type.Union(
  [
    Type.Object({ type: Type.Literal('none') }, { additionalProperties: false }),
    Type.Object(
      {
        type: Type.Literal('pageNumber'),
        param: Type.String({ default: 'page' }),
        start: Type.Integer({ default: 1 }),
        size: Type.Optional(Type.Integer({ minimum: 1, description: 'Page size: a shorter page is the last one' })),
        sizeParam: Type.Optional(Type.String({ description: 'Query parameter that sends the page size' })),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('offset'),
        offsetParam: Type.String({ default: 'offset' }),
        limitParam: Type.String({ default: 'limit' }),
        limit: Type.Integer({ minimum: 1, default: 100 }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        type: Type.Literal('cursor'),
        param: Type.String({ description: 'Query parameter that sends the cursor' }),
        cursorPath: Type.String({ description: 'Dot path of the next cursor in the response, e.g. meta.next_cursor' }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { type: Type.Literal('nextUrl'), path: Type.String({ description: 'Dot path of the next page URL' }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { type: Type.Literal('link') },
      { additionalProperties: false, description: 'RFC 8288 Link: rel="next"' },
    ),
  ],
  { default: { type: 'none' } },
);
export type HttpPagination = Static<typeof Pagination>;

const Endpoint = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]+$' }),
    path: Type.String({ description: 'Relative to baseUrl; {watermark} is replaced by the incremental value' }),
    method: Type.Union([Type.Literal('GET'), Type.Literal('POST')], { default: 'GET' }),
    query: Type.Optional(Type.Record(Type.String(), Type.String())),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    body: Type.Optional(Type.Unknown({ description: 'JSON body of a POST; string values may use {watermark}' })),
    recordSelector: Type.String({ default: '', description: 'Dot path of the records array; empty: the body itself' }),
    pagination: Pagination,
    stop: Type.Optional(
      Type.Object(
        {
          maxPages: Type.Optional(Type.Integer({ minimum: 1 })),
          hasMorePath: Type.Optional(Type.String({ description: 'Dot path of a boolean; false ends paging' })),
        },
        { additionalProperties: false },
      ),
    ),
    incremental: Type.Optional(
      Type.Object(
        {
          watermarkField: Type.String({ description: 'Dot path of the increasing value in each record' }),
          param: Type.Optional(Type.String({ description: 'Query parameter that sends the last watermark' })),
          initialValue: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type HttpEndpoint = Static<typeof Endpoint>;

export const HttpConnectionConfig = Type.Object(
  {
    baseUrl: Type.String({ pattern: '^https?://' }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
    auth: Auth,
    timeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
    rateLimit: Type.Optional(
      Type.Object({ requestsPerSecond: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
    ),
    retries: Type.Object(
      {
        max: Type.Integer({ minimum: 0, default: 5 }),
        baseDelayMs: Type.Integer({ minimum: 0, default: 500 }),
        maxDelayMs: Type.Integer({ minimum: 0, default: 30_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    streams: Type.Array(Endpoint, { minItems: 1 }),
  },
  { additionalProperties: false },
);
export type HttpConnection = Static<typeof HttpConnectionConfig>;

export const httpConnectionUi: UiHints = {
  order: ['baseUrl', 'auth', 'headers', 'streams', 'rateLimit', 'timeoutMs', 'retries'],
  groups: [
    { title: 'API', fields: ['baseUrl', 'auth', 'headers'] },
    { title: 'Endpoints', fields: ['streams'] },
    { title: 'Limits', fields: ['rateLimit', 'timeoutMs', 'retries'] },
  ],
};
