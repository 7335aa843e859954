/** A plausible ArchiveStatus for tests of what shows it (tray, window). */
import type { ArchiveStatus } from '../../shared/api.js';

export function status(overrides: Partial<ArchiveStatus> = {}): ArchiveStatus {
  return {
    version: '0.1.0',
    host: 'serve',
    dataDir: '/data',
    archiveFile: '/data/archive.sqlite',
    localWebhookUrl: 'http://127.0.0.1:4318/webhook',
    publicWebhookUrl: 'https://calm-otter.example.app/webhook',
    tunnel: { mode: 'ngrok', state: 'online', error: null },
    secretConfigured: true,
    requiredHeaderName: null,
    counts: { sessions: 0, activeSessions: 0, staleSessions: 0, messages: 0, deliveries: 0, quarantined: 0 },
    staleAfterMinutes: 120,
    recentOutages: [],
    indexing: 0,
    followUps: { open: 0, snoozed: 0 },
    triage: null,
    lastSelfTest: null,
    warnings: [],
    ...overrides,
  };
}
