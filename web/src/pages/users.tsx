import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError, query, seg, type Page } from '../api';
import { EmptyState, ErrorMessage, JsonView, Loading, PageHeader, Time } from '../components/ui';
import { useDataEnvironment } from '../environment';
import { useDebouncedValue } from '../hooks';
import { PreferencesSection } from './data-preferences';
import {
  DeleteButton,
  objectPath,
  PagedListView,
  PropertiesCell,
  SearchField,
  Text,
  usePagedList,
  userPath,
  type SubscriptionRecord,
  type UserRecord,
} from './data-shared';
import { UserFeedSection } from './data-user-feed';
import { MessageTable, messagesLink, type Message } from './messages';

export function UsersPage() {
  const { environment } = useDataEnvironment();
  const [searchParams, setSearchParams] = useSearchParams();
  const search = searchParams.get('search') ?? '';
  const term = useDebouncedValue(search.trim());
  const { items, list } = usePagedList<UserRecord>({
    key: ['users'],
    path: '/v1/users',
    environment,
    params: { search: term || undefined },
  });

  return (
    <>
      <PageHeader
        title="Users"
        subtitle={`The recipients of notifications in the ${environment} environment, sorted by id.`}
      />
      <div className="toolbar">
        <SearchField
          label="Search users"
          hint="Part of an id, name or email"
          value={search}
          onChange={(value) => setSearchParams(value ? { search: value } : {}, { replace: true })}
        />
      </div>
      <PagedListView
        list={list}
        items={items}
        loadingLabel="Loading users…"
        empty={
          term ? (
            <EmptyState title="No users match this search">
              No user in the {environment} environment has “{term}” in its id, name or email.
            </EmptyState>
          ) : (
            <EmptyState title="No users yet" action={<Link to="/sources">Go to sources</Link>}>
              Users appear when a mapping runs <code>users_identify</code> (the WorkOS default
              mappings do for directory and user-management events), or when you call{' '}
              <code>PUT /v1/users/:id</code>. A workflow trigger can also pass inline users.
            </EmptyState>
          )
        }
      >
        <div className="table-wrap">
          <table aria-label="Users">
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((user) => (
                <tr key={user.id}>
                  <td>
                    <Link to={userPath(user.id)}>{user.id}</Link>
                  </td>
                  <td>
                    <Text value={user.name} />
                  </td>
                  <td>
                    <Text value={user.email} />
                  </td>
                  <td>
                    <Time value={user.updated_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedListView>
    </>
  );
}

export function UserPage() {
  const { id = '' } = useParams();
  const { environment } = useDataEnvironment();
  const navigate = useNavigate();
  const client = useQueryClient();
  const user = useQuery({
    queryKey: ['user', environment, id],
    queryFn: ({ signal }) =>
      api<UserRecord>('GET', `/v1/users/${seg(id)}`, undefined, { environment, signal }),
  });

  if (user.isPending) return <Loading label="Loading the user…" />;
  if (user.isError) {
    return (
      <>
        <PageHeader title="User" subtitle={id} />
        {user.error instanceof ApiError && user.error.status === 404 ? (
          <EmptyState title="User not found" action={<Link to="/users">Go to users</Link>}>
            No user <code>{id}</code> exists in the {environment} environment. Users belong to one
            environment; the switcher at the top selects another one.
          </EmptyState>
        ) : (
          <ErrorMessage error={user.error} onRetry={() => void user.refetch()} />
        )}
        <RecentMessages userId={id} environment={environment} />
      </>
    );
  }

  const record = user.data;
  return (
    <>
      <PageHeader
        title={record.name ?? record.id}
        subtitle={
          <>
            User <code>{record.id}</code> in the {environment} environment
          </>
        }
        actions={
          <DeleteButton
            label="Delete user"
            confirmation={`Delete user "${record.id}" with its subscriptions and audience memberships? Messages already sent stay.`}
            path={`/v1/users/${seg(record.id)}`}
            environment={environment}
            onDeleted={() => {
              void client.invalidateQueries({ queryKey: ['users'] });
              client.removeQueries({ queryKey: ['user', environment, record.id] });
              void navigate('/users');
            }}
          />
        }
      />
      <div className="grid">
        <section className="card" aria-labelledby="user-profile">
          <h2 id="user-profile">Profile</h2>
          <dl className="facts">
            <dt>Id</dt>
            <dd>
              <code>{record.id}</code>
            </dd>
            <dt>Name</dt>
            <dd>
              <Text value={record.name} />
            </dd>
            <dt>Email</dt>
            <dd>
              <Text value={record.email} />
            </dd>
            <dt>Phone</dt>
            <dd>
              <Text value={record.phone_number} />
            </dd>
            <dt>Locale</dt>
            <dd>
              <Text value={record.locale} />
            </dd>
            <dt>Time zone</dt>
            <dd>
              <Text value={record.timezone} />
            </dd>
            <dt>Avatar</dt>
            <dd>
              <Text value={record.avatar} />
            </dd>
            <dt>Created</dt>
            <dd>
              <Time value={record.created_at} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <Time value={record.updated_at} />
            </dd>
            <dt>Source time</dt>
            <dd>
              {record.source_updated_at ? (
                <Time value={record.source_updated_at} />
              ) : (
                <span className="muted">only written through the API</span>
              )}
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="user-properties">
          <h2 id="user-properties">Properties</h2>
          {Object.keys(record.properties).length === 0 ? (
            <p className="muted">No custom properties.</p>
          ) : (
            <JsonView value={record.properties} label="Properties" />
          )}
        </section>
      </div>
      <PreferencesSection userId={record.id} environment={environment} />
      <Subscriptions userId={record.id} environment={environment} />
      <UserFeedSection userId={record.id} environment={environment} />
      <RecentMessages userId={record.id} environment={environment} />
    </>
  );
}

function Subscriptions(props: { userId: string; environment: string }) {
  const { items, list } = usePagedList<SubscriptionRecord>({
    key: ['user-subscriptions', props.userId],
    path: `/v1/users/${seg(props.userId)}/subscriptions`,
    environment: props.environment,
  });
  return (
    <section className="card" aria-labelledby="user-subscriptions">
      <h2 id="user-subscriptions">Subscriptions</h2>
      <PagedListView
        list={list}
        items={items}
        empty={
          <p className="muted">
            Not subscribed to any object. A mapping of type <code>objects_subscribe</code> or{' '}
            <code>POST /v1/objects/:collection/:id/subscriptions</code> adds subscriptions.
          </p>
        }
      >
        <div className="table-wrap">
          <table aria-label="Subscriptions">
            <thead>
              <tr>
                <th scope="col">Object</th>
                <th scope="col">Collection</th>
                <th scope="col">Subscription properties</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {items.map((subscription) => (
                <tr key={`${subscription.collection}/${subscription.object_id}`}>
                  <td>
                    <Link to={objectPath(subscription.collection, subscription.object_id)}>
                      {subscription.object_id}
                    </Link>
                  </td>
                  <td>
                    <Link to={`/objects/${seg(subscription.collection)}`}>
                      {subscription.collection}
                    </Link>
                  </td>
                  <td>
                    <PropertiesCell properties={subscription.properties} />
                  </td>
                  <td>
                    <Time value={subscription.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedListView>
    </section>
  );
}

const RECENT_MESSAGES = 10;

function RecentMessages(props: { userId: string; environment: string }) {
  const messages = useQuery({
    queryKey: ['messages', props.environment, 'recipient', props.userId],
    queryFn: ({ signal }) =>
      api<Page<Message>>(
        'GET',
        `/v1/messages${query({ recipient: props.userId, limit: RECENT_MESSAGES })}`,
        undefined,
        { environment: props.environment, signal },
      ),
  });
  return (
    <section className="card" aria-labelledby="user-messages">
      <div className="section-header">
        <h2 id="user-messages">Recent messages</h2>
        <Link to={messagesLink({ recipient: props.userId })}>All messages to this user</Link>
      </div>
      {messages.isPending ? (
        <Loading label="Loading messages…" />
      ) : messages.isError ? (
        <ErrorMessage error={messages.error} onRetry={() => void messages.refetch()} />
      ) : messages.data.data.length === 0 ? (
        <p className="muted">
          No messages to this user yet. Trigger a workflow with this user as a recipient from the
          workflow's Test trigger tab.
        </p>
      ) : (
        <MessageTable messages={messages.data.data} label="Recent messages" showRecipient={false} />
      )}
    </section>
  );
}
