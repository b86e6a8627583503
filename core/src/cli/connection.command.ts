import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { InputError } from '@assay/sdk';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { jsonFlag, withPlatform } from './platform-session.ts';
import { printTable } from './print-table.ts';

export const connectionUsage = `assay connection list|add|test|discover|remove [name] [--workspace ws] [--json]
      add <name> --type T (--config-json JSON | --config-file F): secret fields are encrypted; test prints the
      diagnosis (exit 1 when it fails); discover lists streams with their columns.`;

/** `assay connection …`: manage connections of a workspace from the shell. */
export async function connectionCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      workspace: { type: 'string', default: 'default' },
      type: { type: 'string' },
      'config-json': { type: 'string' },
      'config-file': { type: 'string' },
      description: { type: 'string' },
    },
  });
  const [action, name] = positionals;
  const needsName = ['add', 'test', 'discover', 'remove'].includes(action ?? '');
  if (!['list', 'add', 'test', 'discover', 'remove'].includes(action ?? '') || (needsName && name === undefined)) {
    throw new InputError(`Usage: ${connectionUsage}`, { code: 'USAGE' });
  }
  const ws = values.workspace;
  const writes = action === 'add' || action === 'remove';
  return withPlatform(configFor(values), { workspace: values.workspace, writes }, async (platform) => {
    const out = (value: unknown, text: () => string) => console.log(values.json ? JSON.stringify(value) : text());
    switch (action) {
      case 'list': {
        const items = await platform.connections.list(ws);
        if (values.json) console.log(JSON.stringify(items));
        else printTable(items.map((c) => ({ name: c.name, type: c.type, version: c.version, updated: c.updatedAt })));
        return 0;
      }
      case 'add': {
        if (values.type === undefined) throw new InputError('add needs --type', { code: 'USAGE' });
        const config =
          values['config-file'] === undefined
            ? jsonFlag('--config-json', values['config-json'])
            : jsonFlag('--config-file', await readFile(values['config-file'], 'utf8'));
        const record = await platform.connections.create(ws, {
          name: name!,
          type: values.type,
          config: config ?? {},
          description: values.description,
        });
        out(record, () => `connection ${record.name} (${record.type} v${record.version}) created`);
        return 0;
      }
      case 'test': {
        const result = await platform.connectionService.test(ws, name!);
        out(result, () => `${result.ok ? 'ok' : `failed ${result.code ?? ''}`}: ${result.message}`);
        return result.ok ? 0 : 1;
      }
      case 'discover': {
        const streams = await platform.connectionService.discover(ws, name!);
        out(streams, () =>
          streams
            .map(
              (s) =>
                `${s.name}\n${s.columns.map((c) => `  ${c.name} ${c.type}${c.nullable ? '' : ' NOT NULL'}`).join('\n')}`,
            )
            .join('\n'),
        );
        return 0;
      }
      default: {
        await platform.connections.remove(ws, name!);
        out({ removed: name }, () => `connection ${name} removed`);
        return 0;
      }
    }
  });
}
