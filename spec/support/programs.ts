// Finds external programs (promtool, prometheus) for the specs that drive
// them. Missing locally: the spec skips, loudly. Missing in CI (CI is set):
// the spec fails, because .ci/run is supposed to have installed it.

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Returns the absolute path of `name` on PATH, or null. */
export function findProgram(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** What a spec needs to know about a program it drives. */
export interface Program {
  /** Absolute path, or null when missing. */
  readonly path: string | null;
  /** Skip the spec: missing here and not in CI. */
  readonly skip: boolean;
  /** Why it is skipped or must fail, for test names and messages. */
  readonly reason: string;
}

/**
 * Looks `name` up (from Debian package `debianPackage`). When missing,
 * prints a warning and asks to skip — unless CI is set, where the spec must
 * run and fail with `reason`.
 */
export function requireProgram(name: string, debianPackage: string): Program {
  const path = findProgram(name);
  const reason = `${name} not found on PATH: apt-get install -y ${debianPackage} (.ci/run installs it)`;
  if (path !== null) return { path, skip: false, reason: '' };
  const inCi = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false';
  if (!inCi) process.stderr.write(`\n*** SKIPPING specs that need ${name}: ${reason} ***\n\n`);
  return { path: null, skip: !inCi, reason };
}

/** Returns `program.path`, or throws its reason (the CI case: missing is a failure). */
export function programPath(program: Program): string {
  if (program.path === null) throw new Error(program.reason);
  return program.path;
}
