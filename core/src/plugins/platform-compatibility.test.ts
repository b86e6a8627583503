import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { platformSatisfies } from './platform-compatibility.ts';

describe('platformSatisfies', () => {
  it('applies semver ranges to the platform version', () => {
    assert.equal(platformSatisfies('0.1.0', '^0.1.0'), true);
    assert.equal(platformSatisfies('0.1.7', '~0.1.0'), true);
    assert.equal(platformSatisfies('0.2.0', '^0.1.0'), false, 'a 0.x minor is breaking');
    assert.equal(platformSatisfies('0.1.0', '^99.0.0'), false);
    assert.equal(platformSatisfies('1.4.0', '>=1.2.0 <2.0.0'), true);
  });

  it('lets a prerelease satisfy ranges of its own release and ranges that name prereleases', () => {
    assert.equal(platformSatisfies('0.2.0-rc.1', '^0.2.0'), true);
    assert.equal(platformSatisfies('0.2.0-rc.1', '>=0.2.0-rc.0'), true);
    assert.equal(platformSatisfies('0.2.0-rc.1', '^0.1.0'), false);
    assert.equal(platformSatisfies('1.0.0-beta.2', '^0.9.0'), false);
  });

  it('refuses a range that is not semver', () => {
    assert.throws(() => platformSatisfies('0.1.0', 'latest'), /platform "latest" is not a valid semver range/);
  });
});
