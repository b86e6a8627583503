import semver from 'semver';

/**
 * True when the platform version satisfies a plugin's `platform` range. Prereleases count: a release candidate of
 * Assay 0.2.0 satisfies `^0.2.0` (its plugins are what it is being tested with) as well as ranges that name
 * prereleases themselves. Throws a TypeError for a range that is not valid semver.
 */
export function platformSatisfies(platformVersion: string, range: string): boolean {
  if (semver.validRange(range) === null) {
    throw new TypeError(`platform "${range}" is not a valid semver range (expected something like "^0.1.0")`);
  }
  if (semver.satisfies(platformVersion, range, { includePrerelease: true })) return true;
  const parsed = semver.parse(platformVersion);
  if (parsed === null || parsed.prerelease.length === 0) return false;
  return semver.satisfies(`${parsed.major}.${parsed.minor}.${parsed.patch}`, range);
}
