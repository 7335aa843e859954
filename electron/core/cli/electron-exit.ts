/**
 * Why the development Electron that `npm start` launched stopped before the app could run, read
 * from its exit and the end of its stderr, so bin/start-desktop.mjs can fall back to headless with
 * one line saying what to do. Pure: the launcher passes what it saw.
 */

export interface ElectronExit {
  code: number | null;
  signal: string | null;
  /** The end of what Electron wrote to stderr (the launcher keeps the last few KiB). */
  stderr: string;
}

/**
 * Chromium's fatal messages when it finds no sandbox it may use. Ubuntu 23.10+ restricts
 * unprivileged user namespaces with AppArmor, so the namespace sandbox is refused and Chromium
 * falls back to the SUID helper, which under node_modules is not owned by root: the first message
 * (setuid_sandbox_host.cc). Without the helper it is the second (zygote_host_impl_linux.cc).
 */
export const SANDBOX_FAILURES: readonly RegExp[] = [
  /The SUID sandbox helper binary was found, but is not configured correctly/,
  /No usable sandbox!/,
];

/** One line: what is wrong and the ways out, the packaged app among them. */
export const SANDBOX_HINT =
  "Electron's sandbox is blocked: this Linux restricts unprivileged user namespaces (AppArmor, as on Ubuntu 23.10 and later). " +
  'To run the desktop app from this checkout, give its Electron an AppArmor profile (README, "Ubuntu 23.10 and later") ' +
  'or run `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`; the .deb from `npm run dist` installs a profile of its own';

/** True when Electron stopped (an error exit or a signal, SIGTRAP for Chromium's FATAL) because it found no usable sandbox. */
export function sandboxBlocked(exit: ElectronExit): boolean {
  const failed = (exit.code !== null && exit.code !== 0) || exit.signal !== null;
  return failed && SANDBOX_FAILURES.some((pattern) => pattern.test(exit.stderr));
}

/** The reason to run headless instead, or null when the exit is Electron's own business (the owner quit, or it crashed otherwise). */
export function electronStartProblem(exit: ElectronExit): string | null {
  return sandboxBlocked(exit) ? SANDBOX_HINT : null;
}
