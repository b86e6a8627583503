import type { TObject, TSchema } from '@assay/sdk';
import { Value } from 'typebox/value';
import {
  getAt,
  isSecretReference,
  secretPathsOf,
  setAt,
  type ConfigPath,
} from '../../connections/connection-secrets.ts';
import type { DocumentProblem } from './document-problem.ts';
import type { PathSegment } from './document-path.ts';
import { schemaProblems } from './schema-problems.ts';

/** Stands in for a `{ "$secret": name }` reference while a config is checked against its schema. */
const SECRET_PLACEHOLDER = 'secret-reference';

/**
 * Checks a config (an operator's, a check's, a connector stream's) against its schema and returns it with the
 * schema's defaults applied, so a stored version says everything it means. A `Secret()` field may hold a
 * `{ "$secret": name }` reference; a default is never filled in for a secret the config leaves out.
 */
export function checkConfig(
  schema: TObject,
  config: unknown,
  options: { readonly code: string; readonly base: readonly PathSegment[] },
): { value: Record<string, unknown>; problems: DocumentProblem[] } {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    const problems = schemaProblems(schema, config, options);
    return { value: {}, problems };
  }
  const references = secretPathsOf(schema, config).filter((path) => isSecretReference(getAt(config, path)));
  let probe: unknown = structuredClone(config);
  for (const path of references) probe = setAt(probe, path, SECRET_PLACEHOLDER);
  let value = Value.Default(schema as TSchema, probe);
  for (const path of secretPathsOf(schema, value)) {
    if (getAt(config, path) === undefined) value = deleteAt(value, path);
  }
  const problems = schemaProblems(schema, value, options);
  for (const path of references) value = setAt(value, path, getAt(config, path));
  return { value: value as Record<string, unknown>, problems };
}

/** A copy of `value` without the property at `path` (an array item is left alone: secrets are properties). */
function deleteAt(value: unknown, path: ConfigPath): unknown {
  const parent = getAt(value, path.slice(0, -1));
  const key = path.at(-1);
  if (typeof parent !== 'object' || parent === null || Array.isArray(parent) || typeof key !== 'string') return value;
  const { [key]: _removed, ...rest } = parent as Record<string, unknown>;
  return setAt(value, path.slice(0, -1), rest);
}
