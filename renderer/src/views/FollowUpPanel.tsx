/**
 * The owner's side of one session, at the top of its detail: state, priority, reasons, tags,
 * notes and the caller. State changes carry the version last seen, so an edit made meanwhile in
 * another window is refused with a message (and the panel reloads) instead of being overwritten.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { TAG_COLORS, type CallerRef, type FollowUpState, type FollowUpView, type Note, type Priority, type TagColor, type TagWithCount } from '../../../shared/follow-up';
import { ApiCallError, getApi } from '../api/client';
import { Badge } from '../components/common';
import { CallerLine, SnoozeMenu, TagChip } from '../components/follow-up';
import { localDateTime, utcTitle } from '../format';
import { useArchiveChanges } from '../hooks';
import { useContactPrivacy } from '../contact-privacy';

interface Props {
  sessionId: string;
  caller: CallerRef | null;
  /** Changes when the note box should take the focus (the inbox's "n"). */
  focusNoteSignal?: number;
}

type Message = { tone: 'error' | 'ok'; text: string } | null;

export function FollowUpPanel({ sessionId, caller, focusNoteSignal = 0 }: Props) {
  const api = getApi();
  const privacy = useContactPrivacy();
  const [view, setView] = useState<FollowUpView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [message, setMessage] = useState<Message>(null);
  const [snoozing, setSnoozing] = useState(false);
  const [busy, setBusy] = useState(false);
  const noteRef = useRef<HTMLTextAreaElement>(null);

  const load = useCallback(() => {
    api.getFollowUp({ sessionId }).then(
      (next) => {
        setView(next);
        setLoadError(null);
      },
      (e: Error) => setLoadError(e.message),
    );
  }, [api, sessionId]);
  useEffect(load, [load]);
  useArchiveChanges((change) => {
    if ((change.type === 'follow-up' && change.sessionId === sessionId) || change.type === 'triage') load();
  });

  useEffect(() => {
    if (focusNoteSignal > 0) noteRef.current?.focus();
  }, [focusNoteSignal, view !== null]); // eslint-disable-line react-hooks/exhaustive-deps -- also once the box exists

  /** Runs an edit; a conflict or refusal is shown, and a conflict reloads what is current. */
  const edit = (task: () => Promise<FollowUpView>, done?: string) => {
    setBusy(true);
    setMessage(null);
    return task()
      .then(
        (next) => {
          setView(next);
          if (done) setMessage({ tone: 'ok', text: done });
          return true;
        },
        (e: Error) => {
          const conflict = e instanceof ApiCallError && e.code === 'conflict';
          setMessage({ tone: 'error', text: conflict ? `${e.message} Showing what is current now.` : e.message });
          if (conflict) load();
          return false;
        },
      )
      .finally(() => setBusy(false));
  };

  if (loadError) {
    return (
      <section className="follow-up-panel" aria-label="Follow-up">
        <p className="notice error" role="alert">
          Could not load the follow-up: {loadError}{' '}
          <button type="button" className="button small" onClick={load}>
            Try again
          </button>
        </p>
      </section>
    );
  }
  if (!view) return <section className="follow-up-panel loading" aria-label="Follow-up" aria-busy="true" />;

  const snoozed = view.state === 'follow-up' && view.snoozedUntil !== null && view.snoozedUntil > Date.now();
  const setState = (state: FollowUpState, snoozedUntil: number | null = null, priority?: Priority) =>
    edit(() => api.setFollowUp({ sessionId, state, snoozedUntil, expectedVersion: view.version, ...(priority ? { priority } : {}) }));
  const stateButton = (state: FollowUpState, label: string) => {
    const current = view.state === state && !snoozed;
    return (
      <button type="button" className={`button small${current ? ' pressed' : ''}`} aria-pressed={current} disabled={busy} onClick={() => void setState(state, null, state === 'follow-up' ? (view.priority ?? 'normal') : undefined)}>
        {label}
      </button>
    );
  };

  return (
    <section className="follow-up-panel" aria-label="Follow-up">
      <div className="follow-up-row">
        <div className="state-buttons" role="group" aria-label="Follow-up state">
          {stateButton('open', 'Open')}
          {stateButton('follow-up', 'To follow up')}
          {stateButton('done', 'Done')}
          <span className="snooze-anchor">
            <button type="button" className={`button small${snoozed ? ' pressed' : ''}`} aria-pressed={snoozed} aria-haspopup="menu" aria-expanded={snoozing} disabled={busy} onClick={() => setSnoozing((v) => !v)}>
              {snoozed ? `Snoozed until ${localDateTime(view.snoozedUntil)}` : 'Snooze…'}
            </button>
            {snoozing && (
              <SnoozeMenu
                onClose={() => setSnoozing(false)}
                onPick={(until) => {
                  setSnoozing(false);
                  void setState('follow-up', until, view.priority ?? 'normal');
                }}
              />
            )}
          </span>
        </div>
        {view.state === 'follow-up' && (
          <label className="inline-label priority-select">
            <span className="muted">Priority</span>
            <select aria-label="Priority" value={view.priority ?? 'normal'} disabled={busy} onChange={(e) => void setState('follow-up', view.snoozedUntil, e.target.value as Priority)}>
              <option value="high">High</option>
              <option value="normal">Normal</option>
              <option value="low">Low</option>
            </select>
          </label>
        )}
        {view.changedAt !== null && (
          <span className="changed-by muted" title={utcTitle(view.changedAt)}>
            {view.changedBy === 'rules' ? 'Set by the rules' : `Changed by ${view.changedBy ?? 'someone'}`} · {localDateTime(view.changedAt)}
          </span>
        )}
      </div>
      {message && (
        <p className={`notice ${message.tone}`} role={message.tone === 'error' ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      {view.reasons.length > 0 && (
        <ul className="reasons" aria-label="Why it needs a follow-up">
          {view.reasons.map((reason, i) => (
            <li key={`${reason.ruleId}-${i}`}>
              {privacy.text(reason.text)}
              {reason.priority === 'high' && (
                <>
                  {' '}
                  <Badge tone="error">High</Badge>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {caller && <CallerLine caller={caller} />}
      <Tags view={view} busy={busy} edit={edit} />
      <Notes view={view} busy={busy} edit={edit} noteRef={noteRef} />
    </section>
  );
}

type Edit = (task: () => Promise<FollowUpView>, done?: string) => Promise<boolean>;

function Tags({ view, busy, edit }: { view: FollowUpView; busy: boolean; edit: Edit }) {
  const api = getApi();
  const [adding, setAdding] = useState(false);
  const [tags, setTags] = useState<TagWithCount[] | null>(null);
  const [choice, setChoice] = useState('');
  const [name, setName] = useState('');
  const [color, setColor] = useState<TagColor>('blue');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!adding) return;
    api.listTags({}).then(
      (result) => setTags(result.tags),
      (e: Error) => setError(e.message),
    );
  }, [adding, api]);

  const have = new Set(view.tags.map((t) => t.id));
  const available = (tags ?? []).filter((t) => !have.has(t.id));
  const add = async () => {
    setError(null);
    let tagId = Number(choice);
    if (choice === 'new' || !choice) {
      const trimmed = name.trim();
      if (!trimmed) {
        setError('Give the new tag a name.');
        return;
      }
      const existing = (tags ?? []).find((t) => t.name.toLowerCase() === trimmed.toLowerCase());
      try {
        tagId = existing ? existing.id : (await api.saveTag({ name: trimmed, color })).id;
      } catch (e) {
        setError((e as Error).message);
        return;
      }
    }
    if (await edit(() => api.tagSession({ sessionId: view.sessionId, tagId, on: true }))) {
      setAdding(false);
      setChoice('');
      setName('');
    }
  };

  return (
    <div className="tags-row" aria-label="Tags" role="group">
      {view.tags.map((tag) => (
        <TagChip key={tag.id} tag={tag} onRemove={busy ? undefined : () => void edit(() => api.tagSession({ sessionId: view.sessionId, tagId: tag.id, on: false }))} />
      ))}
      {!adding ? (
        <button type="button" className="button small link" onClick={() => setAdding(true)}>
          + Add tag
        </button>
      ) : (
        <form
          className="tag-form"
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          {available.length > 0 && (
            <select aria-label="Tag" value={choice} onChange={(e) => setChoice(e.target.value)}>
              <option value="">Choose a tag…</option>
              {available.map((tag) => (
                <option key={tag.id} value={tag.id}>
                  {tag.name}
                </option>
              ))}
              <option value="new">New tag…</option>
            </select>
          )}
          {(choice === 'new' || available.length === 0 || choice === '') && (
            <>
              <input aria-label="New tag name" placeholder="New tag" maxLength={40} value={name} onChange={(e) => setName(e.target.value)} />
              <select aria-label="Tag colour" value={color} onChange={(e) => setColor(e.target.value as TagColor)}>
                {TAG_COLORS.map((c) => (
                  <option key={c} value={c}>
                    {c}
                  </option>
                ))}
              </select>
            </>
          )}
          <button type="submit" className="button small" disabled={busy}>
            Add
          </button>
          <button type="button" className="button small link" onClick={() => setAdding(false)}>
            Cancel
          </button>
          {error && (
            <span className="inline-error" role="alert">
              {error}
            </span>
          )}
        </form>
      )}
    </div>
  );
}

function Notes({ view, busy, edit, noteRef }: { view: FollowUpView; busy: boolean; edit: Edit; noteRef: React.RefObject<HTMLTextAreaElement | null> }) {
  const api = getApi();
  const [draft, setDraft] = useState('');
  const notes = [...view.notes].sort((a, b) => a.createdAt - b.createdAt || a.id - b.id);
  const save = () => {
    const text = draft.trim();
    if (!text) return;
    void edit(() => api.addNote({ sessionId: view.sessionId, text })).then((ok) => ok && setDraft(''));
  };
  return (
    <div className="notes">
      <h4>Notes</h4>
      {notes.length > 0 && (
        <ol className="note-list">
          {notes.map((note) => (
            <NoteItem key={note.id} note={note} busy={busy} edit={edit} />
          ))}
        </ol>
      )}
      <form
        className="note-form"
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <textarea
          ref={noteRef}
          aria-label="Add a note"
          placeholder="Add a note: what was promised, who calls back…  (Ctrl+Enter saves)"
          rows={2}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              save();
            }
          }}
        />
        <button type="submit" className="button small" disabled={busy || draft.trim() === ''}>
          Add note
        </button>
      </form>
    </div>
  );
}

function NoteItem({ note, busy, edit }: { note: Note; busy: boolean; edit: Edit }) {
  const api = getApi();
  const privacy = useContactPrivacy();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(note.text);
  return (
    <li className="note">
      <div className="note-meta">
        <strong>{note.author}</strong>
        <time title={utcTitle(note.createdAt)}>{localDateTime(note.createdAt)}</time>
        {note.updatedAt > note.createdAt && <span className="muted" title={`Edited ${localDateTime(note.updatedAt)}`}>(edited)</span>}
        {!editing && (
          <span className="note-actions">
            <button
              type="button"
              className="button small link"
              aria-label="Edit note"
              onClick={() => {
                setText(note.text);
                setEditing(true);
              }}
            >
              Edit
            </button>
            <button type="button" className="button small link danger" aria-label="Delete note" disabled={busy} onClick={() => void edit(() => api.deleteNote({ noteId: note.id }), 'Note deleted.')}>
              Delete
            </button>
          </span>
        )}
      </div>
      {editing ? (
        <form
          className="note-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (!text.trim()) return;
            void edit(() => api.editNote({ noteId: note.id, text: text.trim(), expectedUpdatedAt: note.updatedAt })).then((ok) => ok && setEditing(false));
          }}
        >
          <textarea aria-label="Edit the note" rows={2} value={text} onChange={(e) => setText(e.target.value)} />
          <button type="submit" className="button small" disabled={busy || !text.trim()}>
            Save
          </button>
          <button type="button" className="button small link" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <p className="note-text">{privacy.text(note.text)}</p>
      )}
    </li>
  );
}
