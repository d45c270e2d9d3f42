import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, ApiError, query, seg } from '../api';
import { EmptyState, ErrorMessage, Field, Loading, PageHeader, Time } from '../components/ui';
import { useDataEnvironment } from '../environment';
import { useDebouncedValue } from '../hooks';
import {
  OpenByNameForm,
  PagedListView,
  SearchField,
  tenantPath,
  usePagedList,
  userPath,
} from './data-shared';

interface AudienceSummary {
  key: string;
  member_count: number;
}

interface Member {
  user_id: string;
  tenant_id: string | null;
  created_at: string;
}

const audiencePath = (key: string) => `/audiences/${seg(key)}`;

export function AudiencesPage() {
  const { environment } = useDataEnvironment();
  const [searchParams, setSearchParams] = useSearchParams();
  const search = searchParams.get('search') ?? '';
  const term = useDebouncedValue(search.trim());
  const audiences = useQuery({
    queryKey: ['audiences', environment, term],
    queryFn: ({ signal }) =>
      api<{ data: AudienceSummary[] }>(
        'GET',
        `/v1/audiences${query({ search: term })}`,
        undefined,
        {
          environment,
          signal,
        },
      ),
  });

  return (
    <>
      <PageHeader
        title="Audiences"
        subtitle={`Named lists of users in the ${environment} environment, each membership optionally scoped to a tenant.`}
      />
      <OpenByNameForm label="Audience key" button="Open or create audience" pathOf={audiencePath} />
      <div className="toolbar">
        <SearchField
          label="Search audiences"
          hint="Part of a key"
          value={search}
          onChange={(value) => setSearchParams(value ? { search: value } : {}, { replace: true })}
        />
      </div>
      {audiences.isPending ? (
        <Loading label="Loading audiences…" />
      ) : audiences.isError ? (
        <ErrorMessage error={audiences.error} onRetry={() => void audiences.refetch()} />
      ) : audiences.data.data.length === 0 && term !== '' ? (
        <EmptyState title="No audiences match this search">
          No audience in the {environment} environment has “{term}” in its key.
        </EmptyState>
      ) : audiences.data.data.length === 0 ? (
        <EmptyState title="No audiences yet">
          An audience is created when its first member is added: open an audience by key above and
          add a user, or use a mapping of type <code>audiences_add_member</code> or{' '}
          <code>POST /v1/audiences/:key/members</code>.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table aria-label="Audiences">
            <thead>
              <tr>
                <th scope="col">Audience</th>
                <th scope="col">Members</th>
              </tr>
            </thead>
            <tbody>
              {audiences.data.data.map((audience) => (
                <tr key={audience.key}>
                  <td>
                    <Link to={audiencePath(audience.key)}>{audience.key}</Link>
                  </td>
                  <td>{audience.member_count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function AudiencePage() {
  const { key = '' } = useParams();
  const { environment } = useDataEnvironment();
  const client = useQueryClient();
  const membersPath = `/v1/audiences/${seg(key)}/members`;
  const { items, list } = usePagedList<Member>({
    key: ['audience-members', key],
    path: membersPath,
    environment,
  });
  const missing = list.error instanceof ApiError && list.error.status === 404;

  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['audience-members', key] });
    void client.invalidateQueries({ queryKey: ['audiences'] });
  };
  const remove = useMutation({
    mutationFn: (member: Member) =>
      api<{ removed: number }>(
        'DELETE',
        membersPath,
        { members: [{ user_id: member.user_id, tenant_id: member.tenant_id }] },
        { environment },
      ),
    onSuccess: refresh,
  });

  return (
    <>
      <PageHeader
        title={key}
        subtitle={
          <>
            Audience in the {environment} environment. <Link to="/audiences">All audiences</Link>
          </>
        }
      />
      <AddMemberForm membersPath={membersPath} environment={environment} onAdded={refresh} />
      <section className="card" aria-labelledby="audience-members">
        <h2 id="audience-members">Members</h2>
        {missing ? (
          <EmptyState title="This audience does not exist yet">
            Adding the first member above creates <code>{key}</code> in the {environment}{' '}
            environment.
          </EmptyState>
        ) : (
          <PagedListView
            list={list}
            items={items}
            loadingLabel="Loading members…"
            empty={<p className="muted">No members. Add a user id above.</p>}
          >
            <div className="table-wrap">
              <table aria-label="Members">
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">Tenant</th>
                    <th scope="col">Added</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((member) => (
                    <tr key={`${member.user_id}/${member.tenant_id ?? ''}`}>
                      <td>
                        <Link to={userPath(member.user_id)}>{member.user_id}</Link>
                      </td>
                      <td>
                        {member.tenant_id ? (
                          <Link to={tenantPath(member.tenant_id)}>{member.tenant_id}</Link>
                        ) : (
                          <span className="muted">any tenant</span>
                        )}
                      </td>
                      <td>
                        <Time value={member.created_at} />
                      </td>
                      <td>
                        <button
                          type="button"
                          className="danger"
                          disabled={remove.isPending}
                          aria-label={`Remove ${member.user_id}${member.tenant_id ? ` (tenant ${member.tenant_id})` : ''}`}
                          onClick={() => remove.mutate(member)}
                        >
                          Remove
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </PagedListView>
        )}
        <ErrorMessage error={remove.error} />
      </section>
    </>
  );
}

function AddMemberForm(props: { membersPath: string; environment: string; onAdded: () => void }) {
  const [userId, setUserId] = useState('');
  const [tenantId, setTenantId] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: () =>
      api<{ added: number }>(
        'POST',
        props.membersPath,
        { members: [{ user_id: userId.trim(), tenant_id: tenantId.trim() || null }] },
        { environment: props.environment },
      ),
    onSuccess: (result) => {
      setNotice(
        result.added === 0
          ? `Nothing added: "${userId.trim()}" is already a member with this tenant, or the user was deleted (deleted users are skipped).`
          : `Added "${userId.trim()}".`,
      );
      setUserId('');
      props.onAdded();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNotice(null);
    if (userId.trim() !== '') add.mutate();
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="add-member-title">
      <h2 id="add-member-title">Add member</h2>
      <div className="form-row">
        <Field
          label="User id"
          hint="A user id in this environment; the user may also be identified later."
        >
          {(id, describedBy) => (
            <input
              id={id}
              required
              value={userId}
              aria-describedby={describedBy}
              onChange={(event) => setUserId(event.target.value)}
            />
          )}
        </Field>
        <Field label="Tenant (optional)" hint="Scopes the membership to one tenant.">
          {(id, describedBy) => (
            <input
              id={id}
              value={tenantId}
              aria-describedby={describedBy}
              onChange={(event) => setTenantId(event.target.value)}
            />
          )}
        </Field>
      </div>
      <ErrorMessage error={add.error} />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <button type="submit" disabled={add.isPending || userId.trim() === ''}>
        {add.isPending ? 'Adding…' : 'Add member'}
      </button>
    </form>
  );
}
