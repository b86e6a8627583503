import { Type } from '@assay/sdk';
import type { Static, UiHints } from '@assay/sdk';

/** Connection config: a server directory inside an allowed root, or the files uploaded to the connection. */
export const FileConnectionConfig = Type.Object(
  {
    source: Type.Union([Type.Literal('server'), Type.Literal('upload')], {
      default: 'upload',
      description: '`server`: a directory on the Assay server; `upload`: files uploaded to this connection',
    }),
    root: Type.Optional(
      Type.String({
        description: 'Absolute server directory (source `server`); must be inside an allowed root set by the admin',
      }),
    ),
  },
  { additionalProperties: false },
);

export type FileConnectionSettings = Static<typeof FileConnectionConfig>;

export const fileConnectionUi: UiHints = {
  order: ['source', 'root'],
  show: { root: { source: ['server'] } },
  placeholders: { root: '/data/incoming' },
};
