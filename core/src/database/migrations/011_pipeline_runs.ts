import type { PluginMigration } from '@assay/sdk';

const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelling', 'cancelled'];
const TRIGGERS = ['manual', 'api', 'schedule', 'pipeline', 'files', 'backfill'];
const JOB_STATUSES = [
  'pending',
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'skipped',
  'upstream_failed',
  'cancelled',
];
const inList = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/**
 * Pipeline runs (docs/pipeline-runs.md):
 * - `core_pipeline_runs`: one execution of one pipeline version. `sequence` numbers the runs of a pipeline (1, 2,
 *   …) and is the Delta `txn` version its jobs commit with, so a re-delivered job commits nothing twice.
 *   `selection` is the subset the run covers (`{job, direction}` or the jobs a resume repeats); null means all.
 *   `event_published_at` is the outbox mark of `run.finished`: set once the event is out, so a process that dies
 *   in between leaves the sweeper something to publish.
 * - `core_job_runs`: one row per job of the run, created `pending` with the job ids it waits for (`upstream`,
 *   within the run's selection) and its place in topological order (`position`). `claim` names the delivery
 *   working it and `heartbeat_at` when that delivery was last alive, so a dead worker's job is taken over and two
 *   deliveries never work one job run at once.
 * - `core_job_run_logs`: log lines of a job run (all attempts), bounded per attempt by the worker.
 * Deleting a pipeline deletes its runs: versions go with it, and a run is only readable with its version.
 */
export const pipelineRunsMigration: PluginMigration = {
  name: '011_pipeline_runs',
  async up(knex) {
    await knex.schema.createTable('core_pipeline_runs', (table) => {
      table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
      table.text('workspace').notNullable();
      table.uuid('pipeline_id').notNullable().references('id').inTable('core_pipelines').onDelete('CASCADE');
      table.text('pipeline_name').notNullable();
      table.integer('pipeline_version').notNullable();
      table.bigInteger('sequence').notNullable();
      table.text('status').notNullable();
      table.text('trigger').notNullable();
      table.jsonb('trigger_details');
      table.text('actor');
      table.jsonb('selection');
      table.uuid('resumed_from').references('id').inTable('core_pipeline_runs').onDelete('SET NULL');
      // Milliseconds, as JavaScript dates and the list cursor carry them.
      table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable().defaultTo(knex.fn.now());
      table.timestamp('started_at', { useTz: true });
      table.timestamp('finished_at', { useTz: true });
      table.timestamp('event_published_at', { useTz: true });
      table.text('error_code');
      table.text('error_message');
      table.text('error_job');
      table.unique(['pipeline_id', 'sequence'], { indexName: 'core_pipeline_runs_sequence_key' });
      table.index(['workspace', 'created_at'], 'core_pipeline_runs_workspace_idx');
      table.index(['pipeline_id', 'created_at'], 'core_pipeline_runs_pipeline_idx');
      table.check(`status in (${inList(RUN_STATUSES)})`, [], 'core_pipeline_runs_status_check');
      table.check(`trigger in (${inList(TRIGGERS)})`, [], 'core_pipeline_runs_trigger_check');
    });
    // Active runs are what the sweeper and the overlap check look at; finished ones are the vast majority.
    await knex.raw(`
      create index core_pipeline_runs_active_idx on core_pipeline_runs (pipeline_id)
        where status in ('queued', 'running', 'cancelling')`);
    await knex.raw(`
      create index core_pipeline_runs_unpublished_idx on core_pipeline_runs (finished_at)
        where event_published_at is null and finished_at is not null`);

    await knex.schema.createTable('core_job_runs', (table) => {
      table.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
      table.uuid('run_id').notNullable().references('id').inTable('core_pipeline_runs').onDelete('CASCADE');
      table.text('workspace').notNullable();
      table.uuid('pipeline_id').notNullable();
      table.text('job_id').notNullable();
      table.integer('position').notNullable();
      table.jsonb('upstream').notNullable().defaultTo('[]');
      table.text('operator').notNullable();
      table.integer('operator_version');
      table.text('status').notNullable().defaultTo('pending');
      table.integer('attempt').notNullable().defaultTo(0);
      table.text('claim');
      table.timestamp('heartbeat_at', { useTz: true });
      table.timestamp('queued_at', { useTz: true });
      table.timestamp('dispatched_at', { useTz: true });
      table.timestamp('started_at', { useTz: true });
      table.timestamp('finished_at', { useTz: true });
      table.timestamp('next_attempt_at', { useTz: true });
      table.bigInteger('rows_read').notNullable().defaultTo(0);
      table.bigInteger('rows_written').notNullable().defaultTo(0);
      table.bigInteger('rows_updated').notNullable().defaultTo(0);
      table.bigInteger('rows_deleted').notNullable().defaultTo(0);
      table.bigInteger('rows_quarantined').notNullable().defaultTo(0);
      table.bigInteger('delta_version');
      table.boolean('commit_skipped');
      table.jsonb('input_versions');
      table.jsonb('metrics');
      table.double('progress_done');
      table.double('progress_total');
      table.text('error_code');
      table.text('error_message');
      table.text('error_class');
      table.text('log_excerpt');
      table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.unique(['run_id', 'job_id'], { indexName: 'core_job_runs_run_job_key' });
      table.check(`status in (${inList(JOB_STATUSES)})`, [], 'core_job_runs_status_check');
    });
    // In-flight job runs: what the concurrency limits count and the sweeper checks.
    await knex.raw(`
      create index core_job_runs_in_flight_idx on core_job_runs (workspace, pipeline_id)
        where status in ('queued', 'running', 'retrying')`);

    await knex.schema.createTable('core_job_run_logs', (table) => {
      table.bigIncrements('id').primary();
      table.uuid('job_run_id').notNullable().references('id').inTable('core_job_runs').onDelete('CASCADE');
      table.integer('attempt').notNullable();
      table.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
      table.text('level').notNullable();
      table.text('message').notNullable();
      table.jsonb('fields');
      table.index(['job_run_id', 'id'], 'core_job_run_logs_job_run_idx');
    });
  },
  async down(knex) {
    await knex.schema.dropTable('core_job_run_logs');
    await knex.schema.dropTable('core_job_runs');
    await knex.schema.dropTable('core_pipeline_runs');
  },
};
