import { PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';

const asText = (value: unknown) => value;

/**
 * pgoutput with every column value kept as PostgreSQL's text output (the library would parse them with node-pg's
 * global type parsers: timestamps into local-time Dates, bigints into strings, JSON into objects). Relation
 * messages are rewritten as they are parsed, in wire order, so every later tuple of the relation uses text.
 */
export class RawPgoutputPlugin extends PgoutputPlugin {
  override parse(buffer: Buffer): Pgoutput.Message {
    const message = super.parse(buffer);
    if (message.tag === 'relation') for (const column of message.columns) column.parser = asText;
    return message;
  }
}
