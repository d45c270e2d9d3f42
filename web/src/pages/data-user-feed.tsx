import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { api, seg } from '../api';
import { ErrorMessage, Time } from '../components/ui';
import { PagedListView, usePagedList } from './data-shared';
import { FeedContent, messagePath, type Message } from './messages';

interface ChannelView {
  key: string;
  type: string;
}

/** Feed steps without a `channel` write to this feed, which needs no channel configuration. */
const DEFAULT_FEED = 'default';

type FeedStatus = 'all' | 'unread' | 'unseen';

/** Renders a user's in-app feed on one feed channel, with read and seen state and "Mark all read". */
export function UserFeedSection(props: { userId: string; environment: string }) {
  const { userId, environment } = props;
  const client = useQueryClient();
  const selectId = useId();
  const statusId = useId();
  const [channel, setChannel] = useState(DEFAULT_FEED);
  const [status, setStatus] = useState<FeedStatus>('all');
  const [includeArchived, setIncludeArchived] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const channels = useQuery({
    queryKey: ['channels', environment],
    queryFn: ({ signal }) =>
      api<{ data: ChannelView[] }>('GET', '/v1/channels', undefined, { environment, signal }),
  });
  const feedChannels = [
    ...new Set([
      DEFAULT_FEED,
      ...(channels.data?.data ?? [])
        .filter((view) => view.type === 'in_app_feed')
        .map((view) => view.key),
    ]),
  ];

  const { items, list } = usePagedList<Message>({
    key: ['user-feed', userId, channel],
    path: `/v1/users/${seg(userId)}/feeds/${seg(channel)}`,
    environment,
    params: { status, archived: includeArchived ? 'include' : undefined },
  });
  const firstPage = list.data?.pages[0] as
    { unread_count?: number; unseen_count?: number } | undefined;

  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['user-feed', userId] });
    void client.invalidateQueries({ queryKey: ['messages'] });
  };
  const markAllRead = useMutation({
    mutationFn: () =>
      api<{ updated: number }>(
        'POST',
        `/v1/users/${seg(userId)}/feeds/${seg(channel)}/mark-all-read`,
        undefined,
        { environment },
      ),
    onSuccess: (result) => {
      setNotice(
        result.updated === 1 ? 'Marked 1 message read.' : `Marked ${result.updated} messages read.`,
      );
      refresh();
    },
  });
  const markRead = useMutation({
    mutationFn: (id: string) =>
      api<Message>('POST', `/v1/messages/${seg(id)}/read`, undefined, { environment }),
    onSuccess: refresh,
  });

  return (
    <section className="card" aria-labelledby="user-feed">
      <div className="section-header">
        <h2 id="user-feed">In-app feed</h2>
        {firstPage?.unread_count !== undefined ? (
          <span className="muted">
            {firstPage.unread_count} unread, {firstPage.unseen_count ?? 0} unseen
          </span>
        ) : null}
      </div>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={selectId}>Feed channel</label>
          <select
            id={selectId}
            value={channel}
            onChange={(event) => {
              setNotice(null);
              setChannel(event.target.value);
            }}
          >
            {feedChannels.map((key) => (
              <option key={key} value={key}>
                {key}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={statusId}>Show</label>
          <select
            id={statusId}
            value={status}
            onChange={(event) => setStatus(event.target.value as FeedStatus)}
          >
            <option value="all">All messages</option>
            <option value="unread">Unread only</option>
            <option value="unseen">Unseen only</option>
          </select>
        </div>
        <label className="inline-field checkbox-field">
          <input
            type="checkbox"
            checked={includeArchived}
            onChange={(event) => setIncludeArchived(event.target.checked)}
          />
          Include archived
        </label>
        <button
          type="button"
          className="secondary"
          disabled={markAllRead.isPending || firstPage?.unread_count === 0}
          onClick={() => {
            setNotice(null);
            markAllRead.mutate();
          }}
        >
          {markAllRead.isPending ? 'Marking…' : 'Mark all read'}
        </button>
      </div>
      <ErrorMessage error={channels.error} />
      <ErrorMessage error={markAllRead.error ?? markRead.error} />
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <PagedListView
        list={list}
        items={items}
        loadingLabel="Loading the feed…"
        empty={
          <p className="muted">
            {status === 'all'
              ? `The ${channel} feed of this user is empty. Feed steps (type in_app_feed) of a workflow add messages here.`
              : `No ${status} messages in the ${channel} feed.`}
          </p>
        }
      >
        <ul className="feed-list" aria-label={`${channel} feed`}>
          {items.map((message) => (
            <li key={message.id} className={message.read_at ? 'read' : 'unread'}>
              <div className="feed-state">
                <span className={`badge ${message.read_at ? 'status-read' : 'status-unread'}`}>
                  {message.read_at ? 'read' : 'unread'}
                </span>
                <span className={`badge ${message.seen_at ? 'status-seen' : 'status-unseen'}`}>
                  {message.seen_at ? 'seen' : 'unseen'}
                </span>
                {message.archived_at ? (
                  <span className="badge status-archived">archived</span>
                ) : null}
              </div>
              <div className="feed-item-body">
                <FeedContent content={(message.content ?? {}) as Record<string, unknown>} />
                <div className="muted small">
                  <Time value={message.created_at} /> · workflow <code>{message.workflow}</code> ·{' '}
                  <Link
                    to={messagePath(message.id)}
                    aria-label={`Details of message ${message.id}`}
                  >
                    Details
                  </Link>
                </div>
              </div>
              {message.read_at ? null : (
                <button
                  type="button"
                  className="secondary"
                  disabled={markRead.isPending}
                  aria-label={`Mark read: message ${message.id}`}
                  onClick={() => markRead.mutate(message.id)}
                >
                  Mark read
                </button>
              )}
            </li>
          ))}
        </ul>
      </PagedListView>
    </section>
  );
}
