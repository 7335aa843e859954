import { useState } from 'react';
import type { ArchiveStatus, SendTestResult } from '../../../shared/api';
import { getApi, isHttpApi } from '../api/client';
import { Badge, CopyButton } from '../components/common';
import { formatCount, localDateTime, utcTitle } from '../format';
import { CallerSettingsCard } from './rules/CallerSettingsCard';
import { RulesCard } from './rules/RulesCard';
import { SettingsCard } from './SettingsCard';
import { BackupsCard } from './BackupsCard';
import { ForwardingCard } from './ForwardingCard';
import { EncryptionCard } from './EncryptionCard';
import { RetentionCard } from './RetentionCard';
import { AuditLogCard } from './AuditLogCard';
import { HubCard } from './HubCard';

export function SetupView({ status, onChanged }: { status: ArchiveStatus; onChanged: () => void }) {
  const api = getApi();
  const [secret, setSecret] = useState<string | null>(null);
  const [test, setTest] = useState<SendTestResult | { ok: false; message: string } | null>(null);
  const [testing, setTesting] = useState(false);
  const [demo, setDemo] = useState<string | null>(null);
  const webhookUrl = status.publicWebhookUrl;

  return (
    <div className="setup-view">
      {/* Only the desktop app can show an office hub's archive instead of its own. */}
      {!isHttpApi(api) && <HubCard status={status} onChanged={onChanged} />}
      <section className="card" aria-labelledby="connect-title">
        <h2 id="connect-title">Connect CallAIder</h2>
        <p>In CallAIder, open your assistant’s settings and paste these values. CallAIder then sends every session here.</p>
        <dl className="paste-list">
          <div>
            <dt>webhookUrl</dt>
            <dd>
              {webhookUrl ? (
                <>
                  <code data-testid="webhook-url">{webhookUrl}</code> <CopyButton value={webhookUrl} label="Copy webhook URL" />
                </>
              ) : (
                <span className="warn-text">
                  Not reachable from the internet yet. Start with <code>--tunnel ngrok</code> (and <code>NGROK_AUTHTOKEN</code>), or put it behind your own HTTPS proxy and start with <code>--public-url</code>. Locally it listens on <code>{status.localWebhookUrl}</code>.
                </span>
              )}
            </dd>
          </div>
          <div>
            <dt>webhookSecret</dt>
            <dd>
              {status.secretConfigured ? (
                <>
                  <code>{secret ?? '••••••••••••'}</code>{' '}
                  {secret === null ? (
                    <button type="button" className="button small" onClick={() => api.revealSecret({}).then((r) => setSecret(r.secret ?? ''))}>
                      Show
                    </button>
                  ) : (
                    <CopyButton value={secret} label="Copy webhook secret" />
                  )}
                </>
              ) : (
                <span className="warn-text">No secret is set, so anyone who knows the URL could add sessions. Restart with <code>--secret</code> (or <code>CALLAIDER_WEBHOOK_SECRET</code>) and paste the same value here.</span>
              )}
            </dd>
          </div>
          <div>
            <dt>webhookHeaders</dt>
            <dd>{status.requiredHeaderName ? <>the <code>{status.requiredHeaderName}</code> header you started the archive with</> : <span className="muted">leave empty</span>}</dd>
          </div>
        </dl>
        <div className="actions">
          <button
            type="button"
            className="button primary"
            disabled={testing}
            onClick={() => {
              setTesting(true);
              setTest(null);
              api.sendTestEvent({}).then(
                (r) => {
                  setTest(r);
                  setTesting(false);
                  onChanged();
                },
                (e: Error) => {
                  setTest({ ok: false, message: e.message });
                  setTesting(false);
                },
              );
            }}
          >
            {testing ? 'Sending…' : 'Send test event'}
          </button>
          {test && (
            <p className={test.ok ? 'notice ok' : 'notice error'} role="status" data-testid="test-result">
              {test.message}
              {'latencyMs' in test && test.ok ? ` (${test.latencyMs} ms)` : ''}
            </p>
          )}
        </div>
      </section>

      <section className="card" aria-labelledby="status-title">
        <h2 id="status-title">Status</h2>
        <dl className="facts">
          <div className="fact"><dt>Webhook listener</dt><dd><code>{status.localWebhookUrl}</code></dd></div>
          <div className="fact">
            <dt>Tunnel</dt>
            <dd>
              {status.tunnel.mode === 'none' ? 'none (local only, or your own proxy)' : <Badge tone={status.tunnel.state === 'online' ? 'ok' : 'error'}>ngrok {status.tunnel.state}</Badge>}
              {status.tunnel.error && <div className="warn-text">{status.tunnel.error}</div>}
            </dd>
          </div>
          <div className="fact">
            <dt>Last end-to-end test</dt>
            <dd>{status.lastSelfTest ? <span className={status.lastSelfTest.ok ? undefined : 'warn-text'} title={utcTitle(status.lastSelfTest.at)}>{status.lastSelfTest.ok ? 'passed' : 'failed'}, {localDateTime(status.lastSelfTest.at)}</span> : 'not run yet'}</dd>
          </div>
          <div className="fact"><dt>Signatures</dt><dd>{status.secretConfigured ? <Badge tone="ok">required</Badge> : <Badge tone="warn">not checked</Badge>}</dd></div>
          <div className="fact"><dt>Archive</dt><dd><code>{status.archiveFile}</code></dd></div>
          <div className="fact"><dt>Sessions</dt><dd>{formatCount(status.counts.sessions)} ({formatCount(status.counts.messages)} messages)</dd></div>
          <div className="fact"><dt>Never ended</dt><dd>{status.counts.staleSessions} (no session.ended after {status.staleAfterMinutes} min)</dd></div>
          <div className="fact"><dt>Quarantined</dt><dd>{status.counts.quarantined}</dd></div>
          <div className="fact"><dt>Version</dt><dd>{status.version} ({status.host === 'serve' ? 'headless' : 'desktop'})</dd></div>
        </dl>
        {status.recentOutages.length > 0 && (
          <div className="outages">
            <h3>Calls may have been missed</h3>
            <p>CallAIder could not reach this archive during these periods (last 7 days). Sessions from then may be missing or incomplete.</p>
            <ul>
              {status.recentOutages.map((o) => (
                <li key={o.startedAt}>
                  <time title={utcTitle(o.startedAt)}>{localDateTime(o.startedAt)}</time> – <time title={utcTitle(o.endedAt)}>{localDateTime(o.endedAt)}</time>
                  {o.reason && <span className="muted"> ({o.reason})</span>}
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>

      <SettingsCard onSaved={onChanged} />

      <BackupsCard onChanged={onChanged} />

      <ForwardingCard />

      <EncryptionCard status={status} onChanged={onChanged} />
      <RetentionCard onChanged={onChanged} />
      <AuditLogCard />

      <RulesCard triage={status.triage} />

      <CallerSettingsCard triage={status.triage} />

      <section className="card" aria-labelledby="demo-title">
        <h2 id="demo-title">Try it with demo data</h2>
        <p>Adds 300 realistic sessions spread over four months: voice and text, tool calls that fail, files. Handy to look around before CallAIder is connected.</p>
        <button
          type="button"
          className="button"
          onClick={() => {
            setDemo('Loading…');
            api.loadDemoData({ sessions: 300 }).then(
              (r) => {
                setDemo(`Added ${r.sessions} demo sessions.`);
                onChanged();
              },
              (e: Error) => setDemo(`Failed: ${e.message}`),
            );
          }}
        >
          Load demo data
        </button>
        {demo && <p className="notice" role="status">{demo}</p>}
      </section>
    </div>
  );
}
