import { CHANGE_LOG_COLUMNS, changeLogBatch, defineConnector, type ChangeLogRow } from '@assay/sdk';
import { checkTransport } from './debezium-check.ts';
import { DebeziumConnectionConfig, DebeziumStreamConfig } from './debezium-config.ts';
import { parseEvent } from './debezium-event.ts';
import { receive } from './receive.ts';

const BATCH_ROWS = 10_000;

export const debeziumConnector = defineConnector({
  type: 'debezium',
  version: 1,
  title: 'Debezium change events',
  description:
    'Change events in Debezium format from NATS JetStream, RabbitMQ or uploaded files, as a Bronze change log',
  config: DebeziumConnectionConfig,
  streamConfig: DebeziumStreamConfig,
  produces: 'changes',
  check: (ctx, config) => checkTransport(config, ctx.uploadsDir),
  async discover() {
    return [{ name: 'changes', columns: CHANGE_LOG_COLUMNS, details: { shape: 'change log' } }];
  },
  async *read(ctx, config, stream, state) {
    const received = await receive(config, stream.config, state, ctx.signal, ctx.uploadsDir);
    let acknowledged = false;
    try {
      let rows: ChangeLogRow[] = [];
      const counts = { events: received.messages.length, tombstones: 0, skipped: 0, malformed: 0 };
      const source = `debezium:${config.transport.type}`;
      for (const message of received.messages) {
        const parsed = parseEvent(message.body, message.position);
        if (parsed.kind === 'tombstone') counts.tombstones++;
        else if (parsed.kind === 'skipped') counts.skipped++;
        else {
          if (parsed.row.op === null) counts.malformed++;
          rows.push(parsed.row);
          if (rows.length >= BATCH_ROWS) {
            yield { kind: 'batch', batch: changeLogBatch(rows), source };
            rows = [];
          }
        }
      }
      if (rows.length > 0) yield { kind: 'batch', batch: changeLogBatch(rows), source };
      if (counts.malformed > 0) {
        ctx.log.warn(
          { malformed: counts.malformed, code: 'DEBEZIUM_EVENT_MALFORMED' },
          'events that are not Debezium changes were kept as rows with op NULL and the raw text in "after"',
        );
      }
      ctx.log.info({ ...counts, duplicates: received.duplicates }, 'received change events');
      yield { kind: 'state', state: received.state };
      // Reached only after the ingest engine committed the rows and the state.
      await received.acknowledge();
      acknowledged = true;
    } finally {
      if (!acknowledged) await received.close();
    }
  },
});
