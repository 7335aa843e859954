import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { MessageView, SessionDetail } from '../../../shared/api';
import { gcsConsoleUrl } from '../../../shared/gcs';
import { stringifyJson } from '../../../shared/json';
import { redactionNote } from '../../../shared/redaction';
import { getApi } from '../api/client';
import { Badge, ConfirmDialog, CopyButton, downloadText, ErrorState, Loading, PaperclipIcon } from '../components/common';
import { formatDuration, formatOffset, humanReason, localDateTime, prettyJson, utcTitle } from '../format';
import { useArchiveChanges } from '../hooks';
import { FollowUpPanel } from './FollowUpPanel';
import { useContactPrivacy } from '../contact-privacy';
import { useMayCall } from '../signed-in';

interface Props {
  sessionId: string;
  query: string;
  onClose: () => void;
  onDeleted: () => void;
  /** Changes when the follow-up panel's note box should take the focus. */
  focusNoteSignal?: number;
}

export function SessionDetailPane({ sessionId, query, onClose, onDeleted, focusNoteSignal }: Props) {
  const api = getApi();
  const mayExport = useMayCall('exportSession');
  const mayErase = useMayCall('eraseSession');
  const privacy = useContactPrivacy();
  const [session, setSession] = useState<SessionDetail | null>(null);
  const [messages, setMessages] = useState<MessageView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let current = true;
    setError(null);
    Promise.all([api.getSession({ sessionId }), api.getMessages({ sessionId })]).then(
      ([detail, page]) => {
        if (!current) return;
        setSession(detail);
        setMessages(page.items);
      },
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [api, sessionId, reload]);

  // The session's end (or its start, when the end came first) can arrive while it is open.
  useArchiveChanges((change) => {
    if (change.type === 'session' && change.sessionId === sessionId && !change.duplicate) setReload((n) => n + 1);
  });

  if (error) return <ErrorState title="Could not open this session" message={error} onRetry={() => setReload((n) => n + 1)} />;
  if (!session || !messages) return <Loading label="Opening the session…" />;

  const exportAs = (format: 'md' | 'json') =>
    api.exportSession({ sessionId, format, ...(privacy.hidden ? { mask: true } : {}) }).then(
      (file) => {
        downloadText(file.filename, file.mimeType, file.content);
        setNotice(`Saved ${file.filename}`);
      },
      (e: Error) => setNotice(`Export failed: ${e.message}`),
    );

  const startMs = session.startedAt ? Date.parse(session.startedAt) : messages[0]?.timestampMs ?? null;
  return (
    <article className="session-detail" aria-label={`Session ${sessionId}`}>
      <header className="detail-header">
        <div className="detail-title">
          <h2>
            {session.mode === 'voice' ? 'Voice call' : session.mode === 'text' ? 'Text chat' : 'Session'} · {localDateTime(session.startedAt ?? session.sortAt)}
          </h2>
          <div className="detail-actions">
            {mayExport && (
              <>
                <button type="button" className="button small" onClick={() => void exportAs('md')}>
                  Export Markdown
                </button>
                <button type="button" className="button small" onClick={() => void exportAs('json')}>
                  Export JSON
                </button>
              </>
            )}
            {mayErase && (
              <button type="button" className="button small danger" onClick={() => setConfirmDelete(true)}>
                Erase…
              </button>
            )}
            <button type="button" className="button small" aria-label="Close session" onClick={onClose}>
              ✕
            </button>
          </div>
        </div>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <FollowUpPanel sessionId={sessionId} caller={session.caller ?? null} focusNoteSignal={focusNoteSignal} />
        <dl className="facts">
          <Fact label="Started">
            <time title={utcTitle(session.startedAt)}>{localDateTime(session.startedAt, true)}</time>
          </Fact>
          <Fact label="Ended">
            {session.endedAt ? (
              <time title={utcTitle(session.endedAt)}>{localDateTime(session.endedAt, true)}</time>
            ) : session.stale ? (
              <Badge tone="warn">never ended: its session.ended may have been missed</Badge>
            ) : (
              <Badge tone="info">still going on</Badge>
            )}
          </Fact>
          <Fact label="Duration">{formatDuration(session.durationSeconds)}</Fact>
          <Fact label="End reason">{session.endedAt ? humanReason(session.reason) : '–'}</Fact>
          <Fact label="Mode">{session.mode ?? '–'}</Fact>
          <Fact label="Assistant">{session.assistantId ?? '–'}</Fact>
          <Fact label="Session ID">
            <code>{session.sessionId}</code> <CopyButton value={session.sessionId} label="Copy session ID" />
          </Fact>
          {session.metadata &&
            Object.entries(session.metadata)
              .filter(([key]) => key !== 'sessionMode')
              .map(([key, value]) => (
                <Fact key={key} label={key}>
                  <span className="metadata-value">{typeof value === 'string' ? privacy.text(value) : stringifyJson(privacy.json(value))}</span>
                </Fact>
              ))}
        </dl>
        <p className="detail-counts">
          {messages.length} message{messages.length === 1 ? '' : 's'}
          {session.toolCallCount > 0 && ` · ${session.toolCallCount} tool call${session.toolCallCount === 1 ? '' : 's'}`}
          {session.toolErrorCount > 0 && (
            <>
              {' · '}
              <Badge tone="error">{session.toolErrorCount} failed</Badge>
            </>
          )}
          {session.fileCount > 0 && ` · ${session.fileCount} file${session.fileCount === 1 ? '' : 's'}`}
        </p>
        {redactionNote(session.redactions) && (
          <p className="muted redaction-note" role="note">
            {redactionNote(session.redactions)}
          </p>
        )}
      </header>
      <Transcript messages={messages} startMs={startMs} query={query} />
      <ConfirmDialog
        open={confirmDelete}
        title="Erase this session?"
        body={
          <>
            <p>
              The transcript, tool calls, file references, notes and tags are erased from the archive, with the raw events, their
              search entries and what the delivery log and quarantine held of them. This cannot be undone.
            </p>
            <p className="muted">
              Backups taken before now still hold it until they rotate out (or retention deletes them); exports you saved are not
              affected. The archive records that a session was erased, not which.
            </p>
          </>
        }
        confirmLabel="Erase session"
        danger
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => {
          setConfirmDelete(false);
          api.eraseSession({ sessionId }).then(onDeleted, (e: Error) => setNotice(`Erasing failed: ${e.message}`));
        }}
      />
    </article>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Virtualized, variable-height: smooth with 10,000-message transcripts. */
function Transcript({ messages, startMs, query }: { messages: MessageView[]; startMs: number | null; query: string }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: messages.length, getScrollElement: () => scrollRef.current, estimateSize: () => 88, overscan: 6 });
  const words = useMemo(() => query.split(/\s+/).filter((w) => w.length > 1).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), [query]);
  const matcher = useMemo(() => (words.length ? new RegExp(`(${words.join('|')})`, 'giu') : null), [words]);
  if (messages.length === 0) {
    return <p className="transcript-empty">No transcript yet: it arrives with session.ended.</p>;
  }
  return (
    <div ref={scrollRef} className="transcript" role="log" aria-label="Transcript">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => {
          const message = messages[row.index]!;
          return (
            <div key={row.key} data-index={row.index} ref={virtualizer.measureElement} className="message-slot" style={{ transform: `translateY(${row.start}px)` }}>
              <Message message={message} startMs={startMs} matcher={matcher} />
            </div>
          );
        })}
      </div>
    </div>
  );
}

const ROLE_NAMES: Record<string, string> = { user: 'Caller', assistant: 'Assistant', system: 'System', tool: 'Tool' };

function Message({ message, startMs, matcher }: { message: MessageView; startMs: number | null; matcher: RegExp | null }) {
  const privacy = useContactPrivacy();
  const failed = Boolean(message.toolCall?.error);
  return (
    <div className={`message role-${message.role}${failed ? ' failed' : ''}`}>
      <div className="message-meta">
        <span className="message-role">{ROLE_NAMES[message.role] ?? message.role}</span>
        {message.timestampMs !== null && (
          <time className="message-offset" title={`${localDateTime(message.timestampMs, true)} (${utcTitle(message.timestampMs)})`}>
            {formatOffset(message.timestampMs, startMs)}
          </time>
        )}
      </div>
      {message.content && <div className="message-content">{mark(privacy.text(message.content), matcher)}</div>}
      {message.toolCall && (
        <details className={`tool-call${failed ? ' failed' : ''}`} open={failed}>
          <summary>
            <span className="tool-name">{message.toolCall.name ?? 'unnamed tool'}</span>
            {failed ? <Badge tone="error">failed</Badge> : <Badge tone="ok">ok</Badge>}
          </summary>
          {failed && <p className="tool-error" role="note">{privacy.text(message.toolCall.error ?? '')}</p>}
          {message.toolCall.arguments !== null && (
            <>
              <h4>Arguments</h4>
              <pre className="json">{prettyJson(privacy.jsonText(message.toolCall.arguments))}</pre>
            </>
          )}
          {message.toolCall.result !== null && (
            <>
              <h4>Result</h4>
              <pre className="json">{prettyJson(privacy.jsonText(message.toolCall.result))}</pre>
            </>
          )}
        </details>
      )}
      {message.files.length > 0 && (
        <ul className="files" aria-label="Files">
          {message.files.map((file, i) => {
            const consoleUrl = gcsConsoleUrl(file.gcsUri);
            return (
              <li key={i} className="file">
                <span className="file-name"><PaperclipIcon /> {file.filename ?? file.gcsUri.split('/').pop()}</span>
                {file.mimeType && <span className="file-type">{file.mimeType}</span>}
                <code className="file-uri">{file.gcsUri}</code>
                <CopyButton value={file.gcsUri} label={`Copy ${file.filename ?? 'file'} gs:// URI`} />
                {consoleUrl && (
                  <a className="button small" href={consoleUrl} target="_blank" rel="noopener noreferrer">
                    Open in Cloud console
                  </a>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

function mark(text: string, matcher: RegExp | null): ReactNode {
  if (!matcher) return text;
  return text.split(matcher).map((part, i) => (i % 2 === 1 ? <mark key={i}>{part}</mark> : part));
}
