export { startS3TestServer, type S3TestServer } from './storage/conditional-write-shim.ts';
export { createS3Storage } from './storage/s3-storage.ts';
export { stagedFilesIn } from './delta-write/staged-files.ts';
export { writeTable } from './delta-write/write-table.ts';
export { createLocalStorage } from './storage/local-storage.ts';
