import { InputError, type TObject } from '@assay/sdk';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { isSecretReference, pathText, secretPathsOf, setAt } from './connection-secrets.ts';

/** Stands in for a secret reference while a config is checked against its schema. */
const SECRET_PLACEHOLDER = 'secret-reference';

/**
 * Checks a config (secret fields given as values or references) against a connector's schema and returns it with
 * defaults applied. The first error names its path: `config.auth.tokenUrl: Expected string`.
 */
export function validateConnectorConfig(schema: TObject, config: unknown, label = 'config'): Record<string, unknown> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new InputError(`${label} must be an object`, { code: 'CONNECTION_CONFIG_INVALID', details: { path: label } });
  }
  let probe: unknown = config;
  for (const path of secretPathsOf(schema, config)) {
    let value: unknown = config;
    for (const key of path) value = (value as Record<string | number, unknown>)[key];
    if (isSecretReference(value)) probe = setAt(probe, path, SECRET_PLACEHOLDER);
  }
  const withDefaults = Value.Default(schema, structuredClone(probe)) as Record<string, unknown>;
  const error = Compile(schema).Errors(withDefaults)[0];
  if (error !== undefined) {
    const path = `${label}${error.instancePath.replace(/\//g, '.')}`;
    throw new InputError(`${path}: ${error.message}`, { code: 'CONNECTION_CONFIG_INVALID', details: { path } });
  }
  // Put the references back where the placeholder stood.
  let result: unknown = withDefaults;
  for (const path of secretPathsOf(schema, config)) {
    let value: unknown = config;
    for (const key of path) value = (value as Record<string | number, unknown>)[key];
    if (isSecretReference(value)) result = setAt(result, path, value);
  }
  return result as Record<string, unknown>;
}

export { pathText };
