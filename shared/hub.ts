/**
 * The desktop app's office-hub connection as the window sees it (Setup → Office hub). Shared by
 * the main process (electron/core/hub/) and the window; no Node built-ins here.
 */
import type { SignedInUser } from './accounts.js';

export type HubConnectionState = 'connecting' | 'connected' | 'unreachable' | 'sign-in-needed' | 'certificate-changed';

export interface HubView {
  /** 'local': this computer keeps its own archive; 'hub': it shows the hub's. */
  mode: 'local' | 'hub';
  url: string | null;
  name: string | null;
  remember: boolean;
  /** The confirmed SHA-256 of a self-signed hub; null for one the system trusts. */
  fingerprint: string | null;
  state: HubConnectionState | null;
  /** Connected since, or unreachable since (epoch ms). */
  since: number | null;
  /** What is wrong, in words (unreachable, sign in again, a changed certificate). */
  message: string | null;
  user: SignedInUser | null;
}

/** connectHub's answer: connected, or first confirm the certificate's fingerprint (trust on first use). */
export type ConnectHubResult = { outcome: 'connected'; hub: HubView } | { outcome: 'confirm-fingerprint'; fingerprint: string; hub: HubView };

export const FINGERPRINT_PATTERN = /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/;
