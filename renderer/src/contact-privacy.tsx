/**
 * "Hide contact details": phone numbers and e-mail addresses masked wherever the window shows
 * what callers said or who they are, for a front desk whose screen callers (or a screen-share)
 * can see. It is a choice of this window, kept in its local storage: one person hiding them on
 * the reception PC does not hide them for the owner at home. What is masked is only what is
 * shown (and what is exported or copied from the window meanwhile); the archive keeps every
 * word as received, and the engine's own `export --mask` does the same for files.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { maskContacts, maskContactsInText } from '../../shared/contact-mask';
import { stringifyJson } from '../../shared/json';

const STORAGE_KEY = 'callaider-archive:hide-contact-details';

export interface ContactPrivacy {
  hidden: boolean;
  setHidden: (hidden: boolean) => void;
  /** The text as it may be shown: masked while contact details are hidden. */
  text: (value: string) => string;
  /** A JSON value's strings, at any depth, masked while hidden (a copy: the value given is left alone). */
  json: <T>(value: T) => T;
  /** JSON text (a tool's arguments, a raw body) with its strings masked while hidden; numbers stay numbers. */
  jsonText: (text: string | null) => string | null;
}

const shown: ContactPrivacy = { hidden: false, setHidden: () => undefined, text: (value) => value, json: (value) => value, jsonText: (text) => text };

function maskJsonText(text: string | null): string | null {
  if (text === null) return null;
  try {
    return stringifyJson(maskContacts(JSON.parse(text) as unknown));
  } catch {
    // Not JSON (or nested past what JSON.parse manages): masked as text.
    return maskContactsInText(text);
  }
}
const PrivacyContext = createContext<ContactPrivacy>(shown);

function storedChoice(): boolean {
  try {
    return window.localStorage.getItem(STORAGE_KEY) === 'hidden';
  } catch {
    // Storage refused (a locked-down browser profile): the choice lasts until the window closes.
    return false;
  }
}

export function ContactPrivacyProvider({ children, initiallyHidden }: { children: ReactNode; initiallyHidden?: boolean }) {
  const [hidden, setHiddenState] = useState(() => initiallyHidden ?? storedChoice());
  const setHidden = useCallback((next: boolean) => {
    setHiddenState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next ? 'hidden' : 'shown');
    } catch {
      // See storedChoice.
    }
  }, []);
  const value = useMemo<ContactPrivacy>(
    () =>
      hidden
        ? {
            hidden,
            setHidden,
            text: maskContactsInText,
            json: <T,>(input: T): T => (input === null || typeof input !== 'object' ? maskContacts(input) : maskContacts(structuredClone(input))),
            jsonText: maskJsonText,
          }
        : { ...shown, setHidden },
    [hidden, setHidden],
  );
  return <PrivacyContext.Provider value={value}>{children}</PrivacyContext.Provider>;
}

export function useContactPrivacy(): ContactPrivacy {
  return useContext(PrivacyContext);
}

/** The switch in the top bar: one click before a caller walks up to the desk. */
export function HideContactsToggle() {
  const { hidden, setHidden } = useContactPrivacy();
  return (
    <button
      type="button"
      className={`button small privacy-toggle${hidden ? ' on' : ''}`}
      aria-pressed={hidden}
      title={hidden ? 'Phone numbers and e-mail addresses are hidden in this window. Click to show them.' : 'Hide phone numbers and e-mail addresses in this window (and in what you export or copy from it).'}
      onClick={() => setHidden(!hidden)}
    >
      {hidden ? 'Contacts hidden' : 'Hide contacts'}
    </button>
  );
}
