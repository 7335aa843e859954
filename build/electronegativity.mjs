// `npm run lint:electron`: Electronegativity (Doyensec's Electron security scanner) over the
// shell's sources (electron/main, electron/preload) and the built renderer page, in one run,
// with build/electronegativity.json: the checks left out and every accepted finding, each with
// its reason. Fails on any other finding, on a stale accepted finding, and on a file it could not
// parse. Needs `npm run build` first (for dist/renderer/index.html). Offline: the one check that
// downloads is left out, and its start-up download of newer message translations (which it skips
// when it fails) is answered "offline" here without touching the network.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const config = JSON.parse(readFileSync(join(root, 'build', 'electronegativity.json'), 'utf8'));
const electronVersion = require('electron/package.json').version;

const scan = mkdtempSync(join(tmpdir(), 'callaider-electronegativity-'));
let failed = false;
const fail = (line) => {
  failed = true;
  console.error(line);
};
try {
  for (const [as, from] of Object.entries(config.inputs)) {
    if (!existsSync(join(root, from))) throw new Error(`${from} is missing${from.startsWith('dist/') ? ' (run `npm run build` first)' : ''}`);
    cpSync(join(root, from), join(scan, as), { recursive: true });
  }
  const started = performance.now();
  const scannerRequire = createRequire(require.resolve('@doyensec/electronegativity'));
  const offline = async () => {
    throw new Error('offline: lint:electron does not download translations');
  };
  const gotPath = scannerRequire.resolve('got');
  scannerRequire.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: Object.assign(offline, { default: offline, __esModule: true }) };
  const electronegativity = require('@doyensec/electronegativity');
  const run = electronegativity.default ?? electronegativity;
  const result = await run({
    input: scan,
    electronVersionOverride: electronVersion,
    isRelative: true,
    excludeFromScan: config.excludedChecks.map((entry) => entry.check),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  for (const error of result.errors) fail(`electronegativity could not ${error.tolerable ? 'fully ' : ''}parse ${error.file}: ${error.message}`);
  const accepted = config.acceptedFindings.map((entry) => ({ ...entry, seen: 0 }));
  for (const issue of result.issues) {
    const file = issue.file.replace(/\\/g, '/');
    const match = accepted.find((entry) => entry.check === issue.id && entry.file === file);
    const where = `${file}${issue.location.line ? `:${issue.location.line}:${issue.location.column}` : ''}`;
    if (match) {
      match.seen += 1;
      console.log(`accepted  ${issue.id} ${where}: ${match.reason}`);
    } else {
      fail(`FINDING   ${issue.id} ${where} (${issue.severity.name}, ${issue.confidence.name}): ${issue.description} ${issue.shortenedURL ?? ''}`);
    }
  }
  for (const entry of accepted) if (entry.seen === 0) fail(`stale     ${entry.check} ${entry.file} is accepted in build/electronegativity.json but no longer found: remove it`);
  const excluded = config.excludedChecks.map((entry) => `${entry.check} (${entry.reason})`).join('; ');
  console.log(`electronegativity ${require('@doyensec/electronegativity/package.json').version}: ${result.atomicChecks} atomic and ${result.globalChecks} global checks, Electron ${electronVersion}, ${seconds} s; left out: ${excluded}`);
  if (failed) console.error('Fix the finding, or accept it in build/electronegativity.json with the reason.');
} catch (error) {
  fail(`electronegativity did not run: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  rmSync(scan, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
