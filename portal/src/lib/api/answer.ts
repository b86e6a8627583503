/** The JSON body of an operation's 200 (or 201) answer, from the generated `paths` types. */
export type Answer<T> = T extends { responses: { 200: { content: { 'application/json': infer B } } } }
  ? B
  : T extends { responses: { 201: { content: { 'application/json': infer B } } } }
    ? B
    : never;
