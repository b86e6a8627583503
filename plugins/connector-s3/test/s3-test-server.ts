import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** s3rver with one bucket, in a child process; keys `S3RVER`/`S3RVER`, path-style addressing. */
export interface S3TestServer {
  readonly endpoint: string;
  readonly bucket: string;
  stop(): Promise<void>;
}

/** Starts s3rver (see s3rver-child.ts for why it runs in its own process). */
export async function startS3TestServer(bucket: string): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'assay-connector-s3-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', join(import.meta.dirname, 's3rver-child.ts'), directory, bucket],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`s3rver exited with ${String(code)}`))),
  ])) as [string];
  const { port } = JSON.parse(first) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async stop() {
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
