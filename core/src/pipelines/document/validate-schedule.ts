import { parseCron } from './cron-expression.ts';
import type { DocumentProblem } from './document-problem.ts';
import type { PipelineSpec } from './pipeline-document.ts';

/**
 * Checks `spec.schedule`: a strict cron (five fields, or six with seconds) and an IANA time zone, each wrong one a
 * `PIPELINE_SCHEDULE_INVALID` with the reason.
 */
export function scheduleProblems(schedule: PipelineSpec['schedule']): DocumentProblem[] {
  if (schedule === undefined) return [];
  const problems: DocumentProblem[] = [];
  const parsed = parseCron(schedule.cron);
  if ('error' in parsed) {
    problems.push({
      code: 'PIPELINE_SCHEDULE_INVALID',
      path: 'spec.schedule.cron',
      message: `"${schedule.cron}" is not a valid cron expression: ${parsed.error}`,
    });
  }
  if (schedule.timezone !== undefined && !isTimeZone(schedule.timezone)) {
    problems.push({
      code: 'PIPELINE_SCHEDULE_INVALID',
      path: 'spec.schedule.timezone',
      message: `"${schedule.timezone}" is not an IANA time zone: write one such as Europe/Amsterdam, America/New_York or UTC`,
    });
  }
  return problems;
}

/** Whether `zone` is a time zone name this runtime knows (`Intl` throws a RangeError on any other). */
export function isTimeZone(zone: string): boolean {
  // Intl also takes fixed offsets (`+01:00`); a schedule needs a zone, so daylight saving moves the run with it.
  if (/^[+-]/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks `spec.triggers`: a pipeline does not trigger itself (`PIPELINE_TRIGGER_INVALID`) and a `new_files`
 * trigger watches a connection that exists (`PIPELINE_CONNECTION_UNKNOWN`).
 */
export function triggerProblems(
  triggers: PipelineSpec['triggers'],
  pipeline: string,
  connectionExists: (name: string) => boolean,
): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  for (const [index, trigger] of (triggers ?? []).entries()) {
    if (trigger.type === 'pipeline_succeeded' && trigger.pipeline === pipeline) {
      problems.push({
        code: 'PIPELINE_TRIGGER_INVALID',
        path: `spec.triggers[${index}].pipeline`,
        message: `pipeline "${pipeline}" cannot be triggered by its own success: every run would start the next`,
      });
    }
    if (trigger.type === 'new_files' && !connectionExists(trigger.connection)) {
      problems.push({
        code: 'PIPELINE_CONNECTION_UNKNOWN',
        path: `spec.triggers[${index}].connection`,
        message: `connection "${trigger.connection}" of the new_files trigger does not exist in the workspace or in this apply`,
      });
    }
  }
  return problems;
}
