import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import {
  createContext,
  useContext,
  useEffect,
  useState,
  type FormEvent,
  type ReactNode,
} from 'react';
import { api, ApiError, SIGNED_OUT_EVENT } from './api';
import { ErrorMessage, Field, Loading } from './components/ui';

export interface Session {
  username: string;
  expires_at: string;
  /** The environments every source has, in configuration order. */
  environments: string[];
}

interface SessionContextValue {
  session: Session;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error('useSession is used outside <SessionGate>.');
  return value;
}

/** Renders its children once signed in, and the sign-in form otherwise. */
export function SessionGate(props: { children: ReactNode }) {
  const client = useQueryClient();
  const current = useQuery({
    queryKey: ['session'],
    queryFn: async () => {
      try {
        return await api<Session>('GET', '/v1/session');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: Infinity,
    retry: false,
  });

  useEffect(() => {
    const onSignedOut = () => {
      client.setQueryData(['session'], null);
    };
    window.addEventListener(SIGNED_OUT_EVENT, onSignedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, onSignedOut);
  }, [client]);

  if (current.isPending) return <Loading label="Checking your session…" />;
  if (current.isError)
    return (
      <main className="sign-in">
        <ErrorMessage error={current.error} onRetry={() => void current.refetch()} />
      </main>
    );
  if (current.data === null || current.data === undefined) {
    return (
      <SignIn
        onSignedIn={(session) => {
          dropCachedData(client);
          client.setQueryData(['session'], session);
        }}
      />
    );
  }
  const signOut = async () => {
    await api('DELETE', '/v1/session').catch(() => undefined);
    dropCachedData(client);
    client.setQueryData(['session'], null);
  };
  return (
    <SessionContext.Provider value={{ session: current.data, signOut }}>
      {props.children}
    </SessionContext.Provider>
  );
}

/**
 * Forgets every cached API response except the session itself, whose query the gate observes:
 * removing that one would leave the gate watching a query that no longer updates.
 */
function dropCachedData(client: QueryClient): void {
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
}

function SignIn(props: { onSignedIn: (session: Session) => void }) {
  const methods = useQuery({
    queryKey: ['session-methods'],
    queryFn: () => api<{ methods: ('api_key' | 'password')[] }>('GET', '/v1/session/methods'),
    retry: false,
  });
  const [method, setMethod] = useState<'api_key' | 'password'>('api_key');
  const [apiKey, setApiKey] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const passwordEnabled = methods.data?.methods.includes('password') ?? false;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = method === 'api_key' ? { api_key: apiKey } : { username, password };
      props.onSignedIn(await api<Session>('POST', '/v1/session', body));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form
        className="card"
        onSubmit={(event) => void submit(event)}
        aria-labelledby="sign-in-title"
      >
        <h1 id="sign-in-title">Sign in to Inlet</h1>
        {passwordEnabled ? (
          <div className="segmented" role="radiogroup" aria-label="Sign-in method">
            <label>
              <input
                type="radio"
                name="method"
                checked={method === 'api_key'}
                onChange={() => setMethod('api_key')}
              />
              Admin key
            </label>
            <label>
              <input
                type="radio"
                name="method"
                checked={method === 'password'}
                onChange={() => setMethod('password')}
              />
              User and password
            </label>
          </div>
        ) : null}
        {method === 'api_key' ? (
          <Field
            label="Admin key"
            hint={
              <>
                The key in <code>INLET_API_KEY</code>, or the one Inlet printed on its first start
                and saved in <code>data/admin-api-key</code>.
              </>
            }
          >
            {(id, describedBy) => (
              <input
                id={id}
                type="password"
                autoComplete="current-password"
                required
                autoFocus
                value={apiKey}
                aria-describedby={describedBy}
                onChange={(event) => setApiKey(event.target.value)}
              />
            )}
          </Field>
        ) : (
          <>
            <Field label="User">
              {(id) => (
                <input
                  id={id}
                  autoComplete="username"
                  required
                  autoFocus
                  value={username}
                  onChange={(event) => setUsername(event.target.value)}
                />
              )}
            </Field>
            <Field label="Password">
              {(id) => (
                <input
                  id={id}
                  type="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(event) => setPassword(event.target.value)}
                />
              )}
            </Field>
          </>
        )}
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
