import { describe, expect, it } from 'vitest';
import { electronStartProblem, SANDBOX_HINT, sandboxBlocked } from '../../electron/core/cli/electron-exit.js';

// What Chromium (inside Electron) prints when it finds no sandbox it may use, as users reported it.
/** Ubuntu 23.10+/24.04: user namespaces restricted by AppArmor, so Chromium tries the SUID helper in node_modules. */
const SUID_HELPER =
  "[26377:0719/133546.609929:FATAL:setuid_sandbox_host.cc(158)] The SUID sandbox helper binary was found, but is not configured correctly. Rather than run without sandboxing I'm aborting now. You need to make sure that /home/owner/callaider-archive/node_modules/electron/dist/chrome-sandbox is owned by root and has mode 4755.\n" +
  '[26380:0100/000000.633160:ERROR:zygote_linux.cc(664)] write: Broken pipe (32)\n';
/** Newer Chromium, without a usable SUID helper: names the AppArmor restriction itself. */
const NO_USABLE_SANDBOX =
  '[12067:12067:0121/165015.646694:FATAL:zygote_host_impl_linux.cc(128)] No usable sandbox! If you are running on Ubuntu 23.10+ or another Linux distro that has disabled unprivileged user namespaces with AppArmor, see https://chromium.googlesource.com/chromium/src/+/main/docs/security/apparmor-userns-restrictions.md. Otherwise see https://chromium.googlesource.com/chromium/src/+/main/docs/linux/suid_sandbox_development.md for more information on developing with the (older) SUID sandbox. If you want to live dangerously and need an immediate workaround, you can try using --no-sandbox.\n' +
  '#0 0x55ada70ddc52 base::debug::CollectStackTrace()\n#1 0x55ada70ca5f3 base::debug::StackTrace::StackTrace()\n';
/** Older Chromium's wording of the same. */
const NO_USABLE_SANDBOX_OLD =
  '[9308:9308:0103/081920.931484:FATAL:zygote_host_impl_linux.cc(123)] No usable sandbox! Update your kernel or see https://chromium.googlesource.com/chromium/src/+/master/docs/linux_suid_sandbox_development.md for more information on developing with the SUID sandbox. If you want to live dangerously and need an immediate workaround, you can try using --no-sandbox.\n';

describe('why the development Electron stopped (bin/start-desktop.mjs)', () => {
  it.each([
    ['the SUID helper, killed by SIGTRAP (Chromium FATAL)', { code: null, signal: 'SIGTRAP', stderr: SUID_HELPER }],
    ['the SUID helper, exit 1', { code: 1, signal: null, stderr: SUID_HELPER }],
    ['no usable sandbox (Ubuntu 23.10+ wording), exit 133', { code: 133, signal: null, stderr: NO_USABLE_SANDBOX }],
    ['no usable sandbox (older wording), SIGABRT', { code: null, signal: 'SIGABRT', stderr: NO_USABLE_SANDBOX_OLD }],
    ['the message among other output', { code: 1, signal: null, stderr: `(electron:1): Gtk-WARNING **: theme parsing error\n${SUID_HELPER}` }],
  ])('recognises a blocked sandbox: %s', (_name, exit) => {
    expect(sandboxBlocked(exit)).toBe(true);
    expect(electronStartProblem(exit)).toBe(SANDBOX_HINT);
  });

  it.each([
    ['a clean quit', { code: 0, signal: null, stderr: '' }],
    ['a clean quit after the message was printed by something else', { code: 0, signal: null, stderr: SUID_HELPER }],
    ['another crash', { code: 1, signal: null, stderr: 'Error: Cannot find module better_sqlite3.node\n' }],
    ['no display', { code: 1, signal: null, stderr: '[1:0101/000000.000000:ERROR:ozone_platform_x11.cc(240)] Missing X server or $DISPLAY\n' }],
    ['killed by the owner', { code: null, signal: 'SIGKILL', stderr: '' }],
  ])('leaves other exits to Electron: %s', (_name, exit) => {
    expect(sandboxBlocked(exit)).toBe(false);
    expect(electronStartProblem(exit)).toBeNull();
  });

  it('says what to do in one line: the AppArmor profile, the sysctl, or the packaged .deb', () => {
    expect(SANDBOX_HINT).not.toContain('\n');
    expect(SANDBOX_HINT).toMatch(/AppArmor/);
    expect(SANDBOX_HINT).toContain('sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0');
    expect(SANDBOX_HINT).toMatch(/\.deb/);
  });
});
