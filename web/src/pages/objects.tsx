import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError, seg } from '../api';
import { EmptyState, ErrorMessage, JsonView, Loading, PageHeader, Time } from '../components/ui';
import { useDataEnvironment } from '../environment';
import { useDebouncedValue } from '../hooks';
import {
  DeleteButton,
  objectPath,
  OpenByNameForm,
  PagedListView,
  PropertiesCell,
  SearchField,
  Text,
  usePagedList,
  userPath,
  type ObjectRecord,
} from './data-shared';

interface CollectionSummary {
  collection: string;
  count: number;
}

interface Subscription {
  recipient_id: string;
  properties: Record<string, unknown>;
  created_at: string;
}

const collectionPath = (collection: string) => `/objects/${seg(collection)}`;

export function ObjectsPage() {
  const { environment } = useDataEnvironment();
  const collections = useQuery({
    queryKey: ['object-collections', environment],
    queryFn: ({ signal }) =>
      api<{ data: CollectionSummary[] }>('GET', '/v1/objects', undefined, { environment, signal }),
  });

  return (
    <>
      <PageHeader
        title="Objects"
        subtitle={`Entities of your product that users subscribe to, grouped in collections, in the ${environment} environment.`}
      />
      <OpenByNameForm label="Collection name" button="Open collection" pathOf={collectionPath} />
      {collections.isPending ? (
        <Loading label="Loading collections…" />
      ) : collections.isError ? (
        <ErrorMessage error={collections.error} onRetry={() => void collections.refetch()} />
      ) : collections.data.data.length === 0 ? (
        <EmptyState title="No objects yet">
          Objects appear when a mapping runs <code>objects_set</code> or{' '}
          <code>objects_subscribe</code> (the WorkOS default mappings store directory groups in{' '}
          <code>directory_groups</code>), or when you call{' '}
          <code>PUT /v1/objects/:collection/:id</code>.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table aria-label="Collections">
            <thead>
              <tr>
                <th scope="col">Collection</th>
                <th scope="col">Objects</th>
              </tr>
            </thead>
            <tbody>
              {collections.data.data.map((summary) => (
                <tr key={summary.collection}>
                  <td>
                    <Link to={collectionPath(summary.collection)}>{summary.collection}</Link>
                  </td>
                  <td>{summary.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function CollectionPage() {
  const { collection = '' } = useParams();
  const { environment } = useDataEnvironment();
  const [searchParams, setSearchParams] = useSearchParams();
  const search = searchParams.get('search') ?? '';
  const term = useDebouncedValue(search.trim());
  const { items, list } = usePagedList<ObjectRecord>({
    key: ['objects', collection],
    path: `/v1/objects/${seg(collection)}`,
    environment,
    params: { search: term || undefined },
  });

  return (
    <>
      <PageHeader
        title={collection}
        subtitle={
          <>
            Objects of the collection <code>{collection}</code> in the {environment} environment,
            sorted by id. <Link to="/objects">All collections</Link>
          </>
        }
      />
      <div className="toolbar">
        <SearchField
          label="Search objects"
          hint="Part of an id"
          value={search}
          onChange={(value) => setSearchParams(value ? { search: value } : {}, { replace: true })}
        />
      </div>
      <PagedListView
        list={list}
        items={items}
        loadingLabel="Loading objects…"
        empty={
          term ? (
            <EmptyState title="No objects match this search">
              No object of <code>{collection}</code> has “{term}” in its id.
            </EmptyState>
          ) : (
            <EmptyState
              title="This collection is empty"
              action={<Link to="/objects">Go to collections</Link>}
            >
              No object exists in <code>{collection}</code> in the {environment} environment. A
              mapping of type <code>objects_set</code> or{' '}
              <code>PUT /v1/objects/{collection}/:id</code> creates one.
            </EmptyState>
          )
        }
      >
        <div className="table-wrap">
          <table aria-label={`Objects of ${collection}`}>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Name</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((object) => (
                <tr key={object.id}>
                  <td>
                    <Link to={objectPath(collection, object.id)}>{object.id}</Link>
                  </td>
                  <td>
                    <Text value={object.name} />
                  </td>
                  <td>
                    <Time value={object.updated_at} />
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

export function ObjectPage() {
  const { collection = '', id = '' } = useParams();
  const { environment } = useDataEnvironment();
  const navigate = useNavigate();
  const client = useQueryClient();
  const apiPath = `/v1/objects/${seg(collection)}/${seg(id)}`;
  const object = useQuery({
    queryKey: ['object', environment, collection, id],
    queryFn: ({ signal }) => api<ObjectRecord>('GET', apiPath, undefined, { environment, signal }),
  });

  if (object.isPending) return <Loading label="Loading the object…" />;
  if (object.isError) {
    return (
      <>
        <PageHeader title="Object" subtitle={`${collection} / ${id}`} />
        {object.error instanceof ApiError && object.error.status === 404 ? (
          <EmptyState
            title="Object not found"
            action={<Link to={collectionPath(collection)}>Go to {collection}</Link>}
          >
            No object <code>{id}</code> exists in the collection <code>{collection}</code> of the{' '}
            {environment} environment.
          </EmptyState>
        ) : (
          <ErrorMessage error={object.error} onRetry={() => void object.refetch()} />
        )}
      </>
    );
  }

  const record = object.data;
  return (
    <>
      <PageHeader
        title={record.name ?? record.id}
        subtitle={
          <>
            Object <code>{record.id}</code> of{' '}
            <Link to={collectionPath(collection)}>{collection}</Link> in the {environment}{' '}
            environment
          </>
        }
        actions={
          <DeleteButton
            label="Delete object"
            confirmation={`Delete object "${record.id}" of "${collection}" with its subscriptions?`}
            path={apiPath}
            environment={environment}
            onDeleted={() => {
              void client.invalidateQueries({ queryKey: ['objects', collection] });
              void client.invalidateQueries({ queryKey: ['object-collections'] });
              client.removeQueries({ queryKey: ['object', environment, collection, record.id] });
              void navigate(collectionPath(collection));
            }}
          />
        }
      />
      <div className="grid">
        <section className="card" aria-labelledby="object-facts">
          <h2 id="object-facts">Object</h2>
          <dl className="facts">
            <dt>Id</dt>
            <dd>
              <code>{record.id}</code>
            </dd>
            <dt>Collection</dt>
            <dd>{collection}</dd>
            <dt>Name</dt>
            <dd>
              <Text value={record.name} />
            </dd>
            <dt>Created</dt>
            <dd>
              <Time value={record.created_at} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <Time value={record.updated_at} />
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="object-properties">
          <h2 id="object-properties">Properties</h2>
          {Object.keys(record.properties).length === 0 ? (
            <p className="muted">No custom properties.</p>
          ) : (
            <JsonView value={record.properties} label="Properties" />
          )}
        </section>
      </div>
      <Subscribers collection={collection} id={record.id} environment={environment} />
    </>
  );
}

function Subscribers(props: { collection: string; id: string; environment: string }) {
  const { items, list } = usePagedList<Subscription>({
    key: ['object-subscribers', props.collection, props.id],
    path: `/v1/objects/${seg(props.collection)}/${seg(props.id)}/subscriptions`,
    environment: props.environment,
  });
  return (
    <section className="card" aria-labelledby="object-subscribers">
      <h2 id="object-subscribers">Subscribers</h2>
      <p className="hint">
        A workflow triggered with this object as a recipient starts one run per subscriber.
      </p>
      <PagedListView
        list={list}
        items={items}
        empty={
          <p className="muted">
            No subscribers. A mapping of type <code>objects_subscribe</code> or{' '}
            <code>{`POST /v1/objects/${seg(props.collection)}/${seg(props.id)}/subscriptions`}</code>{' '}
            adds users.
          </p>
        }
      >
        <div className="table-wrap">
          <table aria-label="Subscribers">
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Subscription properties</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {items.map((subscription) => (
                <tr key={subscription.recipient_id}>
                  <td>
                    <Link to={userPath(subscription.recipient_id)}>
                      {subscription.recipient_id}
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
