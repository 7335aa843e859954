/** What the tray icon says, derived from the engine's status (pure: tested without Electron). */
import type { ArchiveStatus } from '../../shared/api.js';

export type TrayState = 'receiving' | 'tunnel-down' | 'no-secret' | 'error';

export function trayStateFrom(status: ArchiveStatus | null, failure: string | null = null): TrayState {
  if (failure || !status) return 'error';
  if (status.tunnel.mode === 'ngrok' && status.tunnel.state !== 'online') return 'tunnel-down';
  if (!status.secretConfigured) return 'no-secret';
  return 'receiving';
}

export function trayTooltip(state: TrayState, status: ArchiveStatus | null, failure: string | null = null): string {
  switch (state) {
    case 'receiving':
      return `CallAIder Archive: receiving (${status?.counts.sessions ?? 0} sessions)`;
    case 'tunnel-down':
      return `CallAIder Archive: tunnel down, CallAIder cannot reach this computer${status?.tunnel.error ? ` (${status.tunnel.error})` : ''}`;
    case 'no-secret':
      return 'CallAIder Archive: receiving, but without a webhook secret (anyone with the URL can add sessions)';
    case 'error':
      return `CallAIder Archive: not receiving${failure ? ` (${failure})` : ''}`;
  }
}
