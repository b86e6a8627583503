import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { diagnoseS3, s3Error } from './s3-failure.ts';

/** An error shaped as the SDK throws it for an S3 error response. */
const answer = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
const network = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

describe('S3 failure diagnosis', () => {
  test('maps S3 error codes and network errors to check diagnoses', () => {
    const cases: Array<[unknown, string]> = [
      [answer('SignatureDoesNotMatch', 403), 'AUTH_FAILED'],
      [answer('InvalidAccessKeyId', 403), 'AUTH_FAILED'],
      [answer('ExpiredToken', 400), 'AUTH_FAILED'],
      [answer('AccessDenied', 403), 'PERMISSION_DENIED'],
      [answer('NoSuchBucket', 404), 'NOT_FOUND'],
      [answer('SlowDown', 503), 'UNAVAILABLE'],
      [answer('InternalError', 500), 'UNAVAILABLE'],
      [network('ECONNREFUSED'), 'CONNECTION_REFUSED'],
      [new AggregateError([network('ECONNREFUSED')]), 'CONNECTION_REFUSED'],
      [network('ENOTFOUND'), 'HOST_NOT_FOUND'],
      [network('ETIMEDOUT'), 'TIMEOUT'],
      [Object.assign(new Error('timed out'), { name: 'TimeoutError' }), 'TIMEOUT'],
      [network('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'TLS_FAILED'],
      [network('ERR_TLS_CERT_ALTNAME_INVALID'), 'TLS_FAILED'],
      [answer('InvalidArgument', 400), 'REQUEST_FAILED'],
    ];
    for (const [error, diagnosis] of cases) assert.equal(diagnoseS3(error).diagnosis, diagnosis, String(error));
  });

  test('credentials and a missing bucket are user errors; the network is retried', () => {
    assert.deepEqual(
      [
        s3Error(answer('AccessDenied', 403), 's3://b/k').code,
        s3Error(answer('AccessDenied', 403), 's3://b/k').errorClass,
      ],
      ['S3_PERMISSION_DENIED', 'user'],
    );
    const refused = s3Error(network('ECONNREFUSED'), 's3://b/k');
    assert.deepEqual([refused.code, refused.errorClass], ['S3_CONNECTION_REFUSED', 'operational']);
    assert.match(refused.message, /s3:\/\/b\/k failed \(ECONNREFUSED\): nothing accepts connections/);
  });
});
