// electron-builder `beforePack` hook. electron-builder's own rebuild is off (`npmRebuild: false`
// in electron-builder.yml): it would rebuild node_modules/better-sqlite3 in place for Electron's
// ABI and break `npm test` afterwards. Instead the package carries the Electron build from
// build/native/electron-<version>/ (made here if missing), at the same path the app looks for it.
import { electronNativePath, ensureElectronNative } from './electron-native.mjs';

/** The `files` pattern in electron-builder.yml reads the Electron version from this variable. */
/** electron-builder's Arch enum (builder-util), by value. */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

export const VERSION_ENV = 'CALLAIDER_ELECTRON_VERSION';

export default async function beforePack(context) {
  const { packager, arch, electronPlatformName } = context;
  const version = packager.info.framework.version;
  const root = packager.info.projectDir;
  const archName = ARCH_NAMES[arch] ?? String(arch);
  if (electronPlatformName !== process.platform || archName !== process.arch) {
    throw new Error(
      `better-sqlite3 is packaged from build/native/ and built on this machine, for ${process.platform}-${process.arch} only; ` +
        `package ${electronPlatformName}-${archName} on such a machine (electron-builder cannot cross-build native modules)`,
    );
  }
  const problem = ensureElectronNative(root, version, { arch: archName });
  if (problem) throw new Error(`${problem}. Run \`npm run dist\` once with the internet (or \`npm start\`), then offline is fine.`);
  process.env[VERSION_ENV] = version;
  console.log(`  • packaging better-sqlite3 for Electron ${version}: ${electronNativePath(root, version)}`);
}
