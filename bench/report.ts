/** What every benchmark's report needs: settings from the environment, percentiles, and where it ran. */
import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A whole-number setting from the environment, or its default when unset. */
export function readSetting(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}="${text}" is not a whole number from ${min} to ${max}`);
  return value;
}

/** The nearest-rank percentile; NaN for no values. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const FS_TYPES: Record<number, string> = {
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x01021994: 'tmpfs (fsync is free: numbers are NOT durable-disk numbers)',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x6a656a63: 'virtiofs',
};

/** The filesystem a benchmark's archive is on: fsync costs differ by orders of magnitude. */
export function filesystemOf(dir: string): string {
  try {
    const type = statfsSync(dir).type;
    return FS_TYPES[type] ?? `fs type 0x${type.toString(16)}`;
  } catch {
    return 'unknown fs';
  }
}

/** Which code was measured: the commit, and whether the working tree had uncommitted changes. */
export function codeVersion(): string {
  try {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '').length;
    return changed === 0 ? `commit ${commit}` : `commit ${commit} + uncommitted changes in ${changed} tracked file(s)`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
