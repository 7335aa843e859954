/**
 * How the desktop app trusts an office hub's HTTPS certificate. A certificate the system trusts
 * (a real CA, naming the host) needs nothing more. A self-signed one is trusted only by its SHA-256
 * fingerprint, which the person confirms once (as `serve` printed it) and which is then required:
 * the pinned connection checks the fingerprint after the handshake and before a single byte of
 * the request (the cookie, the password) is sent.
 */
import { Agent } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';

/** What the hub's certificate is, from one handshake that does not trust it yet. */
export interface CertificateProbe {
  /** SHA-256, "AB:CD:…", as `serve` prints it and browsers show it. */
  fingerprint: string;
  /** Whether the system's CAs vouch for it and it names the host: then no pin is needed. */
  trustedBySystem: boolean;
}

export class HubCertificateError extends Error {
  constructor(
    message: string,
    readonly presented: string | null,
  ) {
    super(message);
    this.name = 'HubCertificateError';
  }
}

export function certificateChangedMessage(host: string, pinned: string, presented: string): string {
  return (
    `The hub at ${host} presented a different certificate than the one you confirmed (confirmed SHA-256 ${pinned}, now ${presented}). ` +
    'Nothing was sent to it. If the hub was set up again, check the fingerprint its `serve` banner prints and connect again; otherwise someone may be impersonating it.'
  );
}

/** SNI needs a name, never an address. */
function serverName(host: string): string | undefined {
  return isIP(host) ? undefined : host;
}

export function probeCertificate(hubUrl: URL, timeoutMs = 10_000): Promise<CertificateProbe> {
  const host = hubUrl.hostname.replace(/^\[|\]$/g, '');
  const port = Number(hubUrl.port || 443);
  return new Promise((resolve, reject) => {
    const name = serverName(host);
    const socket = connect({ host, port, ...(name ? { servername: name } : {}), rejectUnauthorized: false });
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      const namesHost = cert && checkServerIdentity(host, cert) === undefined;
      resolve({ fingerprint: cert.fingerprint256, trustedBySystem: socket.authorized && namesHost });
      socket.end();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * An HTTPS agent for one hub: with a pin, it trusts exactly that certificate (and refuses any
 * other before sending anything); without, the system's CAs as usual.
 */
export function hubAgent(pinnedFingerprint: string | null): Agent {
  const agent = new Agent({ keepAlive: true });
  if (!pinnedFingerprint) return agent;
  const pinned = pinnedFingerprint.toUpperCase();
  // node:https calls createConnection with a callback and waits for it when nothing is returned,
  // so the request is written only to a socket whose certificate was checked.
  (agent as unknown as { createConnection: PinnedConnect }).createConnection = (options, callback) => {
    const host = String(options.host ?? 'localhost');
    const name = serverName(host);
    const socket: TLSSocket = connect({ ...options, servername: name, rejectUnauthorized: false } as ConnectionOptions);
    const failed = (error: Error) => callback(error);
    socket.once('error', failed);
    socket.once('secureConnect', () => {
      socket.off('error', failed);
      const cert: PeerCertificate = socket.getPeerCertificate();
      const presented = cert?.fingerprint256 ?? '';
      if (presented.toUpperCase() !== pinned) {
        socket.destroy();
        callback(new HubCertificateError(certificateChangedMessage(`${host}:${String(options.port)}`, pinnedFingerprint, presented), presented));
        return;
      }
      callback(null, socket);
    });
    return undefined;
  };
  return agent;
}

type PinnedConnect = (options: ConnectionOptions, callback: (error: Error | null, socket?: Socket) => void) => undefined;
