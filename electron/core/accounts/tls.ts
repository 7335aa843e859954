/**
 * The archive window's certificate on the office network: the owner's own (--tls-cert/--tls-key),
 * or a self-signed one generated once into the data folder. People pin a self-signed certificate
 * by its SHA-256 fingerprint, printed by `serve` and `users add`, which is why it is kept, not
 * made anew each start: it is made again only when it does not name the address being listened on.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { ConfigError } from '../config.js';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 of the certificate, as browsers show it ("AB:CD:…"). */
  fingerprint: string;
  /** Where it came from, for the banner. */
  source: string;
}

const CERT_FILE = 'archive-window.crt';
const KEY_FILE = 'archive-window.key';
/** Apple's platforms refuse server certificates valid for longer; 825 days is accepted everywhere. */
const VALID_DAYS = 825;

export function tlsFolder(dataDir: string): string {
  return join(dataDir, 'tls');
}

export function fingerprintOf(cert: string): string {
  return new X509Certificate(cert).fingerprint256;
}

/** The self-signed certificate's fingerprint if one was generated in this data folder, else null. */
export function keptFingerprint(dataDir: string): string | null {
  const file = join(tlsFolder(dataDir), CERT_FILE);
  return existsSync(file) ? fingerprintOf(readFileSync(file, 'utf8')) : null;
}

export function loadGivenCertificate(certFile: string, keyFile: string): TlsMaterial {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(certFile, 'utf8');
    key = readFileSync(keyFile, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the certificate or its key (${(error as Error).message})`);
  }
  try {
    return { cert, key, fingerprint: fingerprintOf(cert), source: certFile };
  } catch {
    throw new ConfigError(`${certFile} is not a PEM certificate`);
  }
}

/** The names a browser on the office network may use for this machine, and the listen address. */
export function namesFor(listenHost: string): { dns: string[]; ips: string[] } {
  const host = hostname().toLowerCase();
  const dns = [...new Set([host, `${host}.local`, 'localhost'])];
  const ips = new Set(['127.0.0.1', '::1']);
  if (listenHost === '0.0.0.0' || listenHost === '::') {
    for (const addresses of Object.values(networkInterfaces())) for (const address of addresses ?? []) ips.add(address.address);
  } else if (isIP(listenHost)) {
    ips.add(listenHost);
  } else {
    dns.push(listenHost.toLowerCase());
  }
  return { dns, ips: [...ips] };
}

function covers(cert: string, listenHost: string): boolean {
  const x509 = new X509Certificate(cert);
  if (Date.parse(x509.validTo) < Date.now() + 86_400_000) return false;
  const names = namesFor(listenHost);
  return names.dns.every((name) => x509.checkHost(name) !== undefined) && names.ips.every((ip) => x509.checkIP(ip) !== undefined);
}

export async function selfSignedCertificate(dataDir: string, listenHost: string): Promise<TlsMaterial & { generated: boolean }> {
  const folder = tlsFolder(dataDir);
  const certPath = join(folder, CERT_FILE);
  const keyPath = join(folder, KEY_FILE);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const cert = readFileSync(certPath, 'utf8');
    if (covers(cert, listenHost)) return { cert, key: readFileSync(keyPath, 'utf8'), fingerprint: fingerprintOf(cert), source: certPath, generated: false };
  }
  const { generate } = await import('selfsigned');
  const names = namesFor(listenHost);
  const now = new Date();
  const made = await generate([{ name: 'commonName', value: hostname() }, { name: 'organizationName', value: 'CallAIder Archive' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + VALID_DAYS * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  // The key first, readable by this user only; each file written aside and renamed, never half-written.
  writeFileSync(`${keyPath}.tmp`, made.private, { mode: 0o600 });
  chmodSync(`${keyPath}.tmp`, 0o600);
  renameSync(`${keyPath}.tmp`, keyPath);
  writeFileSync(`${certPath}.tmp`, made.cert);
  renameSync(`${certPath}.tmp`, certPath);
  return { cert: made.cert, key: made.private, fingerprint: fingerprintOf(made.cert), source: certPath, generated: true };
}
