/** What the tray icon says, derived from the engine's status (pure: tested without Electron). */
import type { ArchiveStatus } from '../../shared/api.js';

export type TrayState = 'receiving' | 'tunnel-down' | 'no-secret' | 'error';

export function trayStateFrom(status: ArchiveStatus | null, failure: string | null = null): TrayState {
  if (failure || !status) return 'error';
  if (status.tunnel.mode === 'ngrok' && status.tunnel.state !== 'online') return 'tunnel-down';
  if (!status.secretConfigured) return 'no-secret';
  return 'receiving';
}

/** "3 calls to follow up", or null when there are none. */
export function followUpLine(open: number): string | null {
  if (open <= 0) return null;
  return `${open} call${open === 1 ? '' : 's'} to follow up`;
}

/**
 * "No backup for 3 days" while the backup-missing warning stands (the window says why), or null.
 * The tray says it too: the owner of an archive that lives in the tray may not open the window for days.
 */
export function backupLine(status: ArchiveStatus | null): string | null {
  const warning = status?.warnings.find((w) => w.code === 'backup-missing');
  if (!warning) return null;
  const days = /(\d+) days old/.exec(warning.message)?.[1];
  return days ? `No backup for ${days} days` : 'No backup yet';
}

/** What the tray says: the state, the open follow-ups when there are any, and a missing backup. */
export function trayTooltip(state: TrayState, status: ArchiveStatus | null, failure: string | null = null): string {
  const parts = [`CallAIder Archive: ${trayStateLine(state, status, failure)}`, followUpLine(status?.followUps.open ?? 0), backupLine(status)];
  return parts.filter((part): part is string => part !== null).join(' · ');
}

/** The state in words (the tooltip after the app's name; the tray menu's first line). */
export function trayStateLine(state: TrayState, status: ArchiveStatus | null, failure: string | null = null): string {
  switch (state) {
    case 'receiving':
      return `receiving (${status?.counts.sessions ?? 0} sessions)`;
    case 'tunnel-down':
      return `tunnel down, CallAIder cannot reach this computer${status?.tunnel.error ? ` (${status.tunnel.error})` : ''}`;
    case 'no-secret':
      return 'receiving, but without a webhook secret (anyone with the URL can add sessions)';
    case 'error':
      return `not receiving${failure ? ` (${failure})` : ''}`;
  }
}

/** Connected to an office hub: "CallAIder Archive: Connected to hub:4319 as Ana · 3 calls to follow up". */
export function hubTooltip(hubLine: string, status: ArchiveStatus | null): string {
  return [`CallAIder Archive: ${hubLine}`, followUpLine(status?.followUps.open ?? 0)].filter((part): part is string => part !== null).join(' · ');
}
