import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { openSecret, sealSecret } from './secret-box.ts';
import { keyFromBytes, type SecretKey } from './secret-key.ts';

const keyA: SecretKey = { ...keyFromBytes(randomBytes(32)), source: 'env' };
const keyB: SecretKey = { ...keyFromBytes(randomBytes(32)), source: 'env' };
const PLAINTEXT = 'postgres password: hünter2 🔑';

const code = (expected: string) => (error: unknown) => {
  assert.equal((error as { code?: string }).code, expected);
  return true;
};

describe('secret box (AES-256-GCM)', () => {
  test('round-trips a value, with a 12-byte IV, a 16-byte tag and no plaintext in the ciphertext', () => {
    const sealed = sealSecret(keyA, 'demo/db.password', PLAINTEXT);
    assert.equal(sealed.keyId, keyA.id);
    assert.equal(sealed.iv.length, 12);
    assert.equal(sealed.tag.length, 16);
    assert.ok(!sealed.ciphertext.includes(Buffer.from('hünter2')));
    assert.equal(openSecret(keyA, 'demo/db.password', sealed), PLAINTEXT);
  });

  test('every encryption uses a new IV, so equal values give different ciphertexts', () => {
    const one = sealSecret(keyA, 'demo/a', 'same');
    const two = sealSecret(keyA, 'demo/a', 'same');
    assert.notDeepEqual(one.iv, two.iv);
    assert.notDeepEqual(one.ciphertext, two.ciphertext);
  });

  test('another key is SECRET_KEY_MISMATCH naming both key ids and neither key', () => {
    const sealed = sealSecret(keyA, 'demo/a', PLAINTEXT);
    assert.throws(
      () => openSecret(keyB, 'demo/a', sealed),
      (error: Error & { code?: string; status?: number }) => {
        assert.equal(error.code, 'SECRET_KEY_MISMATCH');
        assert.equal(error.status, 503);
        assert.ok(error.message.includes(keyA.id) && error.message.includes(keyB.id));
        for (const key of [keyA, keyB]) {
          assert.ok(!error.message.includes(key.bytes.toString('base64')));
          assert.ok(!error.message.includes(key.bytes.toString('hex')));
        }
        return true;
      },
    );
  });

  test('a ciphertext moved to another row does not decrypt: SECRET_CORRUPT', () => {
    const sealed = sealSecret(keyA, 'demo/a', PLAINTEXT);
    assert.throws(() => openSecret(keyA, 'demo/b', sealed), code('SECRET_CORRUPT'));
    assert.throws(() => openSecret(keyA, 'other/a', sealed), code('SECRET_CORRUPT'));
  });

  test('tampering with ciphertext, tag or IV is SECRET_CORRUPT', () => {
    const sealed = sealSecret(keyA, 'demo/a', PLAINTEXT);
    const flipped = (buffer: Buffer) => {
      const copy = Buffer.from(buffer);
      copy[0] = copy[0]! ^ 1;
      return copy;
    };
    for (const broken of [
      { ...sealed, ciphertext: flipped(sealed.ciphertext) },
      { ...sealed, tag: flipped(sealed.tag) },
      { ...sealed, iv: flipped(sealed.iv) },
      { ...sealed, tag: sealed.tag.subarray(0, 12) },
      { ...sealed, iv: Buffer.alloc(0) },
    ]) {
      assert.throws(() => openSecret(keyA, 'demo/a', broken), code('SECRET_CORRUPT'));
    }
  });

  test('a row claiming the current key id but sealed with another key is SECRET_CORRUPT', () => {
    const forged = { ...sealSecret(keyB, 'demo/a', PLAINTEXT), keyId: keyA.id };
    assert.throws(() => openSecret(keyA, 'demo/a', forged), code('SECRET_CORRUPT'));
  });
});
