import { CHANGE_LOG_COLUMNS, changeLogBatch, defineConnector, type ChangeLogRow } from '@assay/sdk';
import { DebeziumConnectionConfig, DebeziumStreamConfig } from './debezium-config.ts';
import { parseEvent } from './debezium-event.ts';
import { receive } from './transports.ts';

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
  async check(ctx, config) {
    try {
      const received = await receive(config, { idleMs: 50, maxEvents: 1 }, undefined, ctx.signal, ctx.uploadsDir);
      await received.close();
      return { ok: true, message: `reached the ${config.transport.type} transport` };
    } catch (error) {
      const err = error as { code?: string; message: string };
      return { ok: false, code: err.code ?? 'CHECK_FAILED', message: err.message };
    }
  },
  async discover() {
    return [{ name: 'changes', columns: CHANGE_LOG_COLUMNS, details: { shape: 'change log' } }];
  },
  async *read(ctx, config, stream, state) {
    const received = await receive(config, stream.config, state, ctx.signal, ctx.uploadsDir);
    let acknowledged = false;
    try {
      const rows: ChangeLogRow[] = [];
      let tombstones = 0;
      let skipped = 0;
      let malformed = 0;
      for (const message of received.messages) {
        const parsed = parseEvent(message.body, message.position);
        if (parsed.kind === 'tombstone') tombstones++;
        else if (parsed.kind === 'skipped') skipped++;
        else {
          if (parsed.row.op === null) malformed++;
          rows.push(parsed.row);
        }
      }
      if (malformed > 0) {
        ctx.log.warn(
          { malformed, code: 'DEBEZIUM_EVENT_MALFORMED' },
          'events that are not Debezium changes kept with op NULL',
        );
      }
      ctx.log.info({ events: received.messages.length, tombstones, skipped }, 'received change events');
      for (let i = 0; i < rows.length; i += BATCH_ROWS) {
        yield {
          kind: 'batch',
          batch: changeLogBatch(rows.slice(i, i + BATCH_ROWS)),
          source: `debezium:${config.transport.type}`,
        };
      }
      yield { kind: 'state', state: received.state };
      // Reached only after the ingest engine committed the rows and the state.
      await received.acknowledge();
      acknowledged = true;
    } finally {
      if (!acknowledged) await received.close();
    }
  },
});
