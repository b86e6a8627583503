import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '@assay/sdk';
import { documentsYaml } from '../pipelines/apply/export-documents.ts';
import type { AssayDocument } from '../pipelines/document/pipeline-document.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { withPlatform } from './platform-session.ts';

export const exportUsage = `assay export [--workspace ws] [--out file.yaml | dir] [--json]
      Writes the workspace's connections and pipelines as documents (secrets as \${secret:name} references):
      to stdout or one file (--- between documents), or to a directory as connections/<name>.yaml and
      pipelines/<name>.yaml. Applying the export changes nothing.`;

/** `assay export`: the workspace as documents, the inverse of `assay apply`. */
export async function exportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      workspace: { type: 'string', default: 'default' },
      out: { type: 'string', short: 'o' },
    },
  });
  if (positionals.length > 0) throw new InputError(`Usage: ${exportUsage}`, { code: 'USAGE' });
  const documents = await withPlatform(configFor(values), { workspace: values.workspace }, (platform) =>
    platform.pipelines.export(values.workspace),
  );
  const { out } = values;
  if (out === undefined) {
    process.stdout.write(values.json ? `${JSON.stringify(documents)}\n` : documentsYaml(documents));
    return 0;
  }
  if (isDirectory(out)) {
    for (const document of documents) {
      const path = join(
        out,
        document.kind === 'Connection' ? 'connections' : 'pipelines',
        `${document.metadata.name}.yaml`,
      );
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, documentsYaml([document]));
    }
  } else {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, documentsYaml(documents));
  }
  const summary = { out, connections: count(documents, 'Connection'), pipelines: count(documents, 'Pipeline') };
  console.log(
    values.json
      ? JSON.stringify(summary)
      : `Exported ${summary.connections} connection(s) and ${summary.pipelines} pipeline(s) of workspace ${values.workspace} to ${out}`,
  );
  return 0;
}

/** An existing directory, or a new path that does not name a YAML file. */
function isDirectory(out: string): boolean {
  if (existsSync(out)) return statSync(out).isDirectory();
  return out.endsWith('/') || !/\.ya?ml$/i.test(out);
}

function count(documents: readonly AssayDocument[], kind: AssayDocument['kind']): number {
  return documents.filter((document) => document.kind === kind).length;
}
