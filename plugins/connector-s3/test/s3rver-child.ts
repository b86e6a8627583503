// Runs s3rver for tests in its own process, started with --openssl-legacy-provider: s3rver's ListObjectsV2
// continuation tokens use DES, which Node 24's OpenSSL 3 refuses otherwise (every truncated listing would fail).
// Prints `{"port":N}` once listening; stops when its standard input closes.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: directory!,
  configureBuckets: [{ name: bucket!, configs: [] }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => process.exit(0));
});
