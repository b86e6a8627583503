import type { Readable } from 'node:stream';

/** One stored object. Paths are relative to the storage root and always use `/`. */
export interface StoredObject {
  readonly path: string;
  readonly size: number;
  readonly modified: Date;
}

/** A byte range of an object: `length` bytes from `offset`. */
export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

/**
 * Where Delta tables live: a local directory or an S3 prefix, behind one interface. Every write is atomic: a
 * reader sees the whole object or none of it. Errors are Assay errors with stable codes: `STORAGE_NOT_FOUND`
 * (NotFoundError) for a missing object, `STORAGE_UNAVAILABLE` (OperationalError: retry) when the backend cannot be
 * reached, `STORAGE_ACCESS_DENIED` (UserError: fix credentials or permissions) when it refuses.
 */
export interface LakeStorage {
  /** `file:///lake` or `s3://bucket/prefix`: for messages and logs. */
  readonly url: string;
  /** The location of `path` for messages, e.g. `s3://bucket/prefix/t/_delta_log/0.json`. */
  describe(path: string): string;
  /**
   * Objects whose path starts with `prefix`, in ascending path order. With `recursive: false` only objects directly
   * under the prefix's directory are listed (a prefix ending in `/` names a directory).
   */
  list(prefix: string, options?: { recursive?: boolean; startAfter?: string }): AsyncIterable<StoredObject>;
  /** The object's metadata, or undefined when it does not exist. */
  head(path: string): Promise<StoredObject | undefined>;
  /** The whole object, or a range of it. */
  read(path: string, range?: ByteRange): Promise<Buffer>;
  /** The object as a stream, for large files. */
  readStream(path: string): Promise<Readable>;
  /** Writes the object atomically, replacing any existing one. */
  write(path: string, body: Buffer | string): Promise<void>;
  /** Uploads a local file atomically (single PUT or multipart on S3). */
  writeFromFile(path: string, localFile: string): Promise<void>;
  /** Writes only if no object exists at `path`; false when one does. The basis of Delta commits. */
  putIfAbsent(path: string, body: Buffer | string): Promise<boolean>;
  /** Deletes the objects; missing ones are ignored. */
  delete(paths: readonly string[]): Promise<void>;
  /** The local file path of an object when the storage is a local directory (DuckDB reads it in place). */
  localPath(path: string): string | undefined;
  /**
   * A local file holding an immutable object's bytes, for readers that need files (DuckDB): offered by storage read
   * through the local cache (`createCachedStorage`).
   */
  materialize?(path: string): Promise<string>;
}
