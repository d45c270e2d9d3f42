import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError, seg } from '../api';
import { EmptyState, ErrorMessage, JsonView, Loading, PageHeader, Time } from '../components/ui';
import { useDataEnvironment } from '../environment';
import { useDebouncedValue } from '../hooks';
import {
  DeleteButton,
  PagedListView,
  SearchField,
  tenantPath,
  Text,
  usePagedList,
  type TenantRecord,
} from './data-shared';

export function TenantsPage() {
  const { environment } = useDataEnvironment();
  const [searchParams, setSearchParams] = useSearchParams();
  const search = searchParams.get('search') ?? '';
  const term = useDebouncedValue(search.trim());
  const { items, list } = usePagedList<TenantRecord>({
    key: ['tenants'],
    path: '/v1/tenants',
    environment,
    params: { search: term || undefined },
  });

  return (
    <>
      <PageHeader
        title="Tenants"
        subtitle={`Your customers' organizations in the ${environment} environment, sorted by id. Templates read them as tenant.`}
      />
      <div className="toolbar">
        <SearchField
          label="Search tenants"
          hint="Part of an id or name"
          value={search}
          onChange={(value) => setSearchParams(value ? { search: value } : {}, { replace: true })}
        />
      </div>
      <PagedListView
        list={list}
        items={items}
        loadingLabel="Loading tenants…"
        empty={
          term ? (
            <EmptyState title="No tenants match this search">
              No tenant in the {environment} environment has “{term}” in its id or name.
            </EmptyState>
          ) : (
            <EmptyState title="No tenants yet" action={<Link to="/sources">Go to sources</Link>}>
              Tenants appear when a mapping runs <code>tenants_set</code> (the WorkOS default
              mappings do for <code>organization.created</code>, <code>organization.updated</code>{' '}
              and <code>dsync.activated</code>), or when you call <code>PUT /v1/tenants/:id</code>.
            </EmptyState>
          )
        }
      >
        <div className="table-wrap">
          <table aria-label="Tenants">
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Name</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((tenant) => (
                <tr key={tenant.id}>
                  <td>
                    <Link to={tenantPath(tenant.id)}>{tenant.id}</Link>
                  </td>
                  <td>
                    <Text value={tenant.name} />
                  </td>
                  <td>
                    <Time value={tenant.updated_at} />
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

export function TenantPage() {
  const { id = '' } = useParams();
  const { environment } = useDataEnvironment();
  const navigate = useNavigate();
  const client = useQueryClient();
  const tenant = useQuery({
    queryKey: ['tenant', environment, id],
    queryFn: ({ signal }) =>
      api<TenantRecord>('GET', `/v1/tenants/${seg(id)}`, undefined, { environment, signal }),
  });

  if (tenant.isPending) return <Loading label="Loading the tenant…" />;
  if (tenant.isError) {
    return (
      <>
        <PageHeader title="Tenant" subtitle={id} />
        {tenant.error instanceof ApiError && tenant.error.status === 404 ? (
          <EmptyState title="Tenant not found" action={<Link to="/tenants">Go to tenants</Link>}>
            No tenant <code>{id}</code> exists in the {environment} environment. A workflow trigger
            can name a tenant that was never stored; templates then see only its id.
          </EmptyState>
        ) : (
          <ErrorMessage error={tenant.error} onRetry={() => void tenant.refetch()} />
        )}
      </>
    );
  }

  const record = tenant.data;
  return (
    <>
      <PageHeader
        title={record.name ?? record.id}
        subtitle={
          <>
            Tenant <code>{record.id}</code> in the {environment} environment
          </>
        }
        actions={
          <DeleteButton
            label="Delete tenant"
            confirmation={`Delete tenant "${record.id}"? Users and messages stay.`}
            path={`/v1/tenants/${seg(record.id)}`}
            environment={environment}
            onDeleted={() => {
              void client.invalidateQueries({ queryKey: ['tenants'] });
              client.removeQueries({ queryKey: ['tenant', environment, record.id] });
              void navigate('/tenants');
            }}
          />
        }
      />
      <section className="card" aria-labelledby="tenant-facts">
        <h2 id="tenant-facts">Tenant</h2>
        <dl className="facts">
          <dt>Id</dt>
          <dd>
            <code>{record.id}</code>
          </dd>
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
      <div className="grid">
        <section className="card" aria-labelledby="tenant-properties">
          <h2 id="tenant-properties">Properties</h2>
          {Object.keys(record.properties).length === 0 ? (
            <p className="muted">No custom properties.</p>
          ) : (
            <JsonView value={record.properties} label="Properties" />
          )}
        </section>
        <section className="card" aria-labelledby="tenant-settings">
          <h2 id="tenant-settings">Settings</h2>
          <p className="hint">
            Settings such as branding; templates read them as <code>tenant.settings</code>.
          </p>
          {Object.keys(record.settings).length === 0 ? (
            <p className="muted">No settings.</p>
          ) : (
            <JsonView value={record.settings} label="Settings" />
          )}
        </section>
      </div>
    </>
  );
}
