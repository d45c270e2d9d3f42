import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, seg } from '../api';
import { EmptyState, ErrorMessage, Loading, PageHeader, Time } from '../components/ui';

export interface SigningSecret {
  id: string;
  /** The last characters of the secret, because the secret itself is write-only. */
  hint: string;
  created_at: string;
  /** End of the grace period of a replaced secret, or null for the current secret. */
  expires_at: string | null;
}

export interface SourceEnvironment {
  environment: string;
  webhook_url: string;
  tolerance_seconds: number;
  disabled_event_types: string[];
  signing_secrets: SigningSecret[];
  updated_at: string;
}

export interface Source {
  key: string;
  name: string;
  description: string | null;
  provider: string;
  created_at: string;
  updated_at: string;
  environments: SourceEnvironment[];
  /** Events received by all environments of the source in the last 24 hours. */
  events_24h?: number;
  last_event_at?: string | null;
}

const PROVIDER_NAMES: Record<string, string> = { workos: 'WorkOS' };

/** Returns the display name of a provider key, such as "WorkOS" for "workos". */
export function providerName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider;
}

export const sourcesQueryKey = ['sources'] as const;

export function sourceQueryKey(key: string) {
  return ['source', key] as const;
}

/** Loads one source with its environments. */
export function useSource(key: string) {
  return useQuery({
    queryKey: sourceQueryKey(key),
    queryFn: () => api<Source>('GET', `/v1/sources/${seg(key)}`),
  });
}

export function SourcesPage() {
  const sources = useQuery({
    queryKey: sourcesQueryKey,
    queryFn: () => api<{ data: Source[] }>('GET', '/v1/sources'),
    // Keeps the event counts and last event times current while the page is open.
    refetchInterval: 30_000,
  });
  const createLink = (
    <Link to="/sources/new" className="button">
      Create source
    </Link>
  );

  return (
    <>
      <PageHeader
        title="Sources"
        subtitle="Webhook senders such as WorkOS, with the events each one delivered."
        actions={sources.data && sources.data.data.length > 0 ? createLink : undefined}
      />
      {sources.isPending ? <Loading label="Loading sources…" /> : null}
      <ErrorMessage error={sources.error} onRetry={() => void sources.refetch()} />
      {sources.data && sources.data.data.length === 0 ? (
        <EmptyState title="No sources yet" action={createLink}>
          <p>
            A source is where a provider such as WorkOS sends its webhooks. Create one to get a
            webhook URL for each environment, then paste that URL and the signing secret into the
            provider's dashboard.
          </p>
        </EmptyState>
      ) : null}
      {sources.data && sources.data.data.length > 0 ? (
        <SourcesTable sources={sources.data.data} />
      ) : null}
    </>
  );
}

function SourcesTable(props: { sources: Source[] }) {
  return (
    <div className="table-wrap">
      <table aria-label="Sources">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Provider</th>
            <th scope="col" className="source-count">
              Events (24 h)
            </th>
            <th scope="col">Last event</th>
          </tr>
        </thead>
        <tbody>
          {props.sources.map((source) => (
            <tr key={source.key}>
              <td>
                <Link to={`/sources/${seg(source.key)}`}>{source.name}</Link>
                {source.description ? (
                  <div className="muted source-description">{source.description}</div>
                ) : null}
              </td>
              <td>
                <code>{source.key}</code>
              </td>
              <td>{providerName(source.provider)}</td>
              <td className="source-count">
                {source.events_24h === undefined ? (
                  <span className="muted" title="The server did not return this count.">
                    –
                  </span>
                ) : (
                  source.events_24h.toLocaleString()
                )}
              </td>
              <td>
                {source.last_event_at === undefined ? (
                  <span className="muted">–</span>
                ) : (
                  <Time value={source.last_event_at} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
