import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  type InfiniteData,
  type UseInfiniteQueryResult,
} from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { api, query, seg, type Page } from '../api';
import { ErrorMessage, Loading } from '../components/ui';

/** Recipient-data records as the API returns them. */
export interface UserRecord {
  id: string;
  name: string | null;
  email: string | null;
  phone_number: string | null;
  avatar: string | null;
  locale: string | null;
  timezone: string | null;
  properties: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  source_updated_at: string | null;
}

export interface ObjectRecord {
  collection: string;
  id: string;
  name: string | null;
  properties: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  source_updated_at: string | null;
}

export interface TenantRecord {
  id: string;
  name: string | null;
  properties: Record<string, unknown>;
  settings: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  source_updated_at: string | null;
}

export interface SubscriptionRecord {
  collection: string;
  object_id: string;
  recipient_id: string;
  properties: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export const userPath = (id: string) => `/users/${seg(id)}`;
export const objectPath = (collection: string, id: string) =>
  `/objects/${seg(collection)}/${seg(id)}`;
export const tenantPath = (id: string) => `/tenants/${seg(id)}`;

export type PagedQuery<T> = UseInfiniteQueryResult<InfiniteData<Page<T>, unknown>>;

/**
 * Reads a keyset-paginated list page by page: each "Load more" passes the previous page's
 * `next_cursor` as `after`. While a new search loads, the previous results stay on screen.
 */
export function usePagedList<T>(options: {
  key: readonly unknown[];
  path: string;
  environment: string;
  params?: Record<string, string | number | undefined>;
  enabled?: boolean;
}): { items: T[]; list: PagedQuery<T> } {
  const list = useInfiniteQuery({
    queryKey: [...options.key, options.environment, options.params ?? {}],
    queryFn: ({ pageParam, signal }) =>
      api<Page<T>>(
        'GET',
        options.path + query({ ...options.params, after: pageParam }),
        undefined,
        { environment: options.environment, signal },
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
    enabled: options.enabled ?? true,
  });
  const items = list.data?.pages.flatMap((page) => page.data) ?? [];
  return { items, list };
}

/**
 * Shows the state of a paged list around its rendered items: loading, an error, the empty state,
 * then the items with a "Load more" button while more pages exist.
 */
export function PagedListView<T>(props: {
  list: PagedQuery<T>;
  items: T[];
  empty: ReactNode;
  loadingLabel?: string;
  children: ReactNode;
}) {
  const { list } = props;
  if (list.isPending) return <Loading label={props.loadingLabel} />;
  const refreshFailed = list.isError && !list.isFetchNextPageError;
  if (refreshFailed && props.items.length === 0) {
    return <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />;
  }
  if (props.items.length === 0) return <>{props.empty}</>;
  return (
    <>
      {refreshFailed ? (
        <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
      ) : null}
      {props.children}
      <LoadMore list={list} />
    </>
  );
}

export function LoadMore<T>(props: { list: PagedQuery<T> }) {
  const { list } = props;
  return (
    <>
      {list.isFetchNextPageError ? (
        <ErrorMessage error={list.error} onRetry={() => void list.fetchNextPage()} />
      ) : null}
      {list.hasNextPage ? (
        <div className="actions load-more">
          <button
            type="button"
            className="secondary"
            disabled={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      ) : null}
    </>
  );
}

/** Renders a labelled search box. The caller debounces the value before querying. */
export function SearchField(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  hint?: string;
}) {
  const id = useId();
  return (
    <div className="field search-field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="search"
        value={props.value}
        placeholder={props.hint}
        autoComplete="off"
        onChange={(event) => props.onChange(event.target.value)}
      />
    </div>
  );
}

/** Renders a "Delete" button that requests confirmation, then calls `onDeleted`. */
export function DeleteButton(props: {
  label: string;
  confirmation: string;
  path: string;
  environment: string;
  onDeleted: () => void;
}) {
  const remove = useMutation({
    mutationFn: () => api('DELETE', props.path, undefined, { environment: props.environment }),
    onSuccess: props.onDeleted,
  });
  return (
    <>
      <button
        type="button"
        className="danger"
        disabled={remove.isPending}
        onClick={() => {
          if (window.confirm(props.confirmation)) remove.mutate();
        }}
      >
        {remove.isPending ? 'Deleting…' : props.label}
      </button>
      <ErrorMessage error={remove.error} />
    </>
  );
}

/** Shows a string field of a record, or a muted dash when it is empty. */
export function Text(props: { value: string | null | undefined }) {
  if (props.value === null || props.value === undefined || props.value === '') {
    return <span className="muted">—</span>;
  }
  return <>{props.value}</>;
}

/**
 * Renders a form that opens the page of the record named in its one field, such as an audience
 * key. It works before any list loads, and for names that have no records yet.
 */
export function OpenByNameForm(props: {
  label: string;
  button: string;
  pathOf: (name: string) => string;
}) {
  const navigate = useNavigate();
  const inputId = useId();
  const [name, setName] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() !== '') void navigate(props.pathOf(name.trim()));
  };
  return (
    <form className="toolbar" onSubmit={submit}>
      <div className="field">
        <label htmlFor={inputId}>{props.label}</label>
        <input id={inputId} value={name} onChange={(event) => setName(event.target.value)} />
      </div>
      <button type="submit" className="secondary" disabled={name.trim() === ''}>
        {props.button}
      </button>
    </form>
  );
}

/** Renders a subscription's properties as one line of JSON, or "none". */
export function PropertiesCell(props: { properties: Record<string, unknown> }) {
  if (Object.keys(props.properties).length === 0) return <span className="muted">none</span>;
  return <code className="inline-json">{JSON.stringify(props.properties)}</code>;
}
