/** The sign-in page, and the "choose your password" page a one-time link opens. */
import { useEffect, useState, type FormEvent } from 'react';
import { MIN_PASSWORD_LENGTH, PASSWORD_TOO_SHORT, type SignedInUser } from '../../../shared/accounts';
import { linkUser, setPassword, signIn } from '../api/auth';
import { Loading } from '../components/common';

function Brand() {
  return (
    <h1 className="brand sign-in-brand">
      <span className="logo" aria-hidden="true">◉</span> CallAIder Archive
    </h1>
  );
}

export function SignInView({ onSignedIn, notice }: { onSignedIn: (user: SignedInUser) => void; notice?: string | null }) {
  const [name, setName] = useState('');
  const [password, setPasswordText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    signIn(name.trim(), password).then(onSignedIn, (e: Error) => {
      setError(e.message);
      setBusy(false);
    });
  };
  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <Brand />
        <h2 id="sign-in-title">Sign in</h2>
        {notice && <p className="notice">{notice}</p>}
        <label className="field">
          <span>Name</span>
          <input autoFocus autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} required maxLength={64} />
        </label>
        <label className="field">
          <span>Password</span>
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPasswordText(e.target.value)} required />
        </label>
        {error && (
          <p className="notice error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy || !name.trim() || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small-print">No account, or forgot your password? An owner of this archive can give you a new sign-in link.</p>
      </form>
    </main>
  );
}

export function SetPasswordView({ link, onSignedIn }: { link: string; onSignedIn: (user: SignedInUser) => void }) {
  const [user, setUser] = useState<SignedInUser | null>(null);
  const [invalid, setInvalid] = useState<string | null>(null);
  const [password, setPasswordText] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    linkUser(link).then(setUser, (e: Error) => setInvalid(e.message));
  }, [link]);
  if (invalid) {
    return (
      <main className="sign-in">
        <section className="card sign-in-card" aria-labelledby="link-title">
          <Brand />
          <h2 id="link-title">This link does not work any more</h2>
          <p>{invalid}</p>
          <a className="button" href="#/">
            Go to sign in
          </a>
        </section>
      </main>
    );
  }
  if (!user) return <Loading label="Checking your link…" />;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if ([...password].length < MIN_PASSWORD_LENGTH) return setError(PASSWORD_TOO_SHORT);
    if (password !== again) return setError('The two passwords are not the same.');
    setBusy(true);
    setError(null);
    setPassword(link, password).then(onSignedIn, (e: Error) => {
      setError(e.message);
      setBusy(false);
    });
    return undefined;
  };
  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="welcome-title">
        <Brand />
        <h2 id="welcome-title">Welcome, {user.name}</h2>
        <p>
          Choose your password for this archive ({user.role === 'owner' ? 'owner' : 'staff'} account). At least {MIN_PASSWORD_LENGTH} characters; a few unrelated words work well.
        </p>
        <input type="text" autoComplete="username" value={user.name} readOnly hidden />
        <label className="field">
          <span>New password</span>
          <input autoFocus type="password" autoComplete="new-password" value={password} onChange={(e) => setPasswordText(e.target.value)} required />
        </label>
        <label className="field">
          <span>The same again</span>
          <input type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} required />
        </label>
        {error && (
          <p className="notice error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy || !password || !again}>
          {busy ? 'Saving…' : 'Set password and sign in'}
        </button>
      </form>
    </main>
  );
}
