import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, query } from '../api';
import { eventStatusSeries, StackedBarChart } from '../components/chart';
import { EmptyState, ErrorMessage, Loading, StatusBadge } from '../components/ui';
import { environmentPath } from './events';
import { environmentPage } from './source-shared';
import type { Source, SourceEnvironment } from './sources';

type StatsWindow = '24h' | '7d';

interface Stats {
  window: StatsWindow;
  bucket_seconds: number;
  since: string;
  until: string;
  statuses: string[];
  buckets: { start: string; total: number; counts: Record<string, number> }[];
}

export function useStats(key: string, environment: string, statsWindow: StatsWindow) {
  return useQuery({
    queryKey: ['source-stats', key, environment, statsWindow],
    queryFn: () =>
      api<Stats>(
        'GET',
        `${environmentPath(key, environment)}/stats${query({ window: statsWindow })}`,
      ),
    refetchInterval: 30_000,
  });
}

const WINDOWS: { value: StatsWindow; label: string }[] = [
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
];

export function ActivityTab(props: { source: Source; view: SourceEnvironment }) {
  const { source, view } = props;
  const [params, setParams] = useSearchParams();
  const statsWindow: StatsWindow = params.get('window') === '7d' ? '7d' : '24h';
  const windowLabel = WINDOWS.find((item) => item.value === statsWindow)!.label;
  const stats = useStats(source.key, view.environment, statsWindow);

  return (
    <>
      <div className="toolbar source-window" role="group" aria-label="Time window">
        {WINDOWS.map((item) => (
          <button
            key={item.value}
            type="button"
            className={item.value === statsWindow ? undefined : 'secondary'}
            aria-pressed={item.value === statsWindow}
            onClick={() => setParams(item.value === '24h' ? {} : { window: item.value })}
          >
            {item.label}
          </button>
        ))}
        <span className="muted">Events per hour by status, refreshed every 30 seconds.</span>
      </div>
      {stats.isPending ? <Loading label="Loading activity…" /> : null}
      <ErrorMessage error={stats.error} onRetry={() => void stats.refetch()} />
      {stats.data ? (
        <ActivityChart
          stats={stats.data}
          windowLabel={windowLabel}
          setupPath={environmentPage(source.key, view.environment)}
        />
      ) : null}
    </>
  );
}

function ActivityChart(props: { stats: Stats; windowLabel: string; setupPath: string }) {
  const { stats } = props;
  const totals = new Map<string, number>();
  for (const bucket of stats.buckets) {
    for (const [status, count] of Object.entries(bucket.counts)) {
      totals.set(status, (totals.get(status) ?? 0) + count);
    }
  }
  const total = stats.buckets.reduce((sum, bucket) => sum + bucket.total, 0);
  const lowerLabel = props.windowLabel.toLowerCase();

  if (total === 0) {
    return (
      <EmptyState
        title={`No events in the ${lowerLabel}`}
        action={<Link to={props.setupPath}>Open the setup tab</Link>}
      >
        Events appear here once the provider delivers them. The setup tab shows the webhook URL and
        can send a test event.
      </EmptyState>
    );
  }

  // Only statuses that occur in the window get a series, so the legend matches the totals table.
  const statuses = [...new Set([...stats.statuses, ...totals.keys()])].filter(
    (status) => (totals.get(status) ?? 0) > 0,
  );
  const series = eventStatusSeries(statuses);
  return (
    <section className="card" aria-labelledby="activity-title">
      <h2 id="activity-title">
        {total.toLocaleString()} {total === 1 ? 'event' : 'events'} in the {lowerLabel}
      </h2>
      <StackedBarChart
        buckets={stats.buckets}
        series={series}
        bucketSeconds={stats.bucket_seconds}
        summary={`Events per hour in the ${lowerLabel}: ${total.toLocaleString()} in total, ${series
          .map((item) => `${totals.get(item.key)} ${item.label}`)
          .join(', ')}.`}
      />
      <div className="table-wrap source-totals">
        <table aria-label="Events per status">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col" className="source-count">
                Events
              </th>
              <th scope="col" className="source-count">
                Share
              </th>
            </tr>
          </thead>
          <tbody>
            {series.map((item) => {
              const count = totals.get(item.key) ?? 0;
              return (
                <tr key={item.key}>
                  <td>
                    <StatusBadge status={item.key} />
                  </td>
                  <td className="source-count">{count.toLocaleString()}</td>
                  <td className="source-count">{formatShare(count, total)}</td>
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td className="source-count">{total.toLocaleString()}</td>
              <td className="source-count">100%</td>
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}

function formatShare(count: number, total: number): string {
  const share = (count / total) * 100;
  return share > 0 && share < 1 ? '<1%' : `${Math.round(share)}%`;
}
