// A stacked bar chart of at most 168 bars (7 days of hours) is a few hundred SVG rectangles, so it
// is drawn here in plain SVG and needs no chart library.
import { useEffect, useRef, useState, type RefObject } from 'react';

export interface ChartBucket {
  /** ISO time at which the bucket starts. */
  start: string;
  counts: Record<string, number>;
}

export interface ChartSeries {
  key: string;
  label: string;
  /** Any CSS colour, such as `var(--ok)`. */
  color: string;
}

/** Bottom-to-top order of event statuses in a stack: outcomes first, then pending and skipped. */
const EVENT_STATUS_ORDER = [
  'processed',
  'partially_failed',
  'failed',
  'invalid',
  'processing',
  'received',
  'skipped',
  'ignored',
];

/**
 * Returns one series per event status, in stacking order. The colours follow the `.status-*` classes:
 * green for processed, red for failed and invalid, amber for pending, grey for skipped and ignored.
 */
export function eventStatusSeries(statuses: string[]): ChartSeries[] {
  const known = EVENT_STATUS_ORDER.filter((status) => statuses.includes(status));
  const others = statuses.filter((status) => !EVENT_STATUS_ORDER.includes(status));
  return [...known, ...others].map((status) => ({
    key: status,
    label: status.replace(/_/g, ' '),
    color: EVENT_STATUS_ORDER.includes(status) ? `var(--chart-${status})` : 'var(--muted)',
  }));
}

const HEIGHT = 220;
const MARGIN = { top: 12, right: 8, bottom: 26, left: 44 };
/** Minimum horizontal room of one x-axis label, in pixels. */
const LABEL_WIDTH = 64;
const LABEL_STEPS_HOURS = [1, 2, 3, 6, 12, 24, 48];

const hourFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short' });

/** Formats a short day label such as "Sat 28". */
function formatDay(date: Date): string {
  return `${weekdayFormat.format(date)} ${date.getDate()}`;
}

/**
 * Draws a stacked bar chart of hourly buckets with a y-axis maximum, x-axis labels spaced to fit the
 * width, a `<title>` tooltip per segment and a legend. Screen readers get `summary` as the name of
 * the image, so callers should also show the numbers as text, for example in a table.
 */
export function StackedBarChart(props: {
  buckets: ChartBucket[];
  series: ChartSeries[];
  /** Accessible name of the chart, such as "Events per hour: 42 in total". */
  summary: string;
  /** Width of one bucket; the labels assume hours or multiples of them. */
  bucketSeconds: number;
}) {
  const container = useRef<HTMLDivElement>(null);
  const width = useElementWidth(container, 720);
  const { buckets, series } = props;

  const plotWidth = Math.max(width - MARGIN.left - MARGIN.right, 10);
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = buckets.map((bucket) =>
    series.reduce((sum, item) => sum + (bucket.counts[item.key] ?? 0), 0),
  );
  const yMax = niceMaximum(Math.max(0, ...totals));
  const slot = plotWidth / Math.max(buckets.length, 1);
  // Bars get a gap while there is room for one; at 168 bars on a phone they touch.
  const barWidth = slot >= 4 ? slot * 0.75 : slot;
  const scale = (value: number) => (value / yMax) * plotHeight;
  const spansDays = buckets.length * props.bucketSeconds > 86400;
  const labelEvery = labelStepHours(buckets.length, props.bucketSeconds, plotWidth);

  return (
    <div className="chart" ref={container}>
      <svg
        role="img"
        aria-label={props.summary}
        width={width}
        height={HEIGHT}
        viewBox={`0 0 ${width} ${HEIGHT}`}
      >
        <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
          {yTicks(yMax).map((tick) => (
            <g key={tick} transform={`translate(0,${plotHeight - scale(tick)})`}>
              <line className="chart-grid" x1={0} x2={plotWidth} />
              <text className="chart-axis" x={-6} dy="0.32em" textAnchor="end">
                {tick.toLocaleString()}
              </text>
            </g>
          ))}

          {buckets.map((bucket, index) => {
            const date = new Date(bucket.start);
            const when = spansDays
              ? `${formatDay(date)} ${hourFormat.format(date)}`
              : hourFormat.format(date);
            let stacked = 0;
            return (
              <g
                key={bucket.start}
                transform={`translate(${index * slot + (slot - barWidth) / 2},0)`}
              >
                {series.map((item) => {
                  const count = bucket.counts[item.key] ?? 0;
                  if (count === 0) return null;
                  const y = plotHeight - scale(stacked + count);
                  stacked += count;
                  return (
                    <rect
                      key={item.key}
                      x={0}
                      y={y}
                      width={barWidth}
                      height={Math.max(scale(count), 1)}
                      style={{ fill: item.color }}
                    >
                      <title>{`${when} · ${item.label}: ${count.toLocaleString()}`}</title>
                    </rect>
                  );
                })}
              </g>
            );
          })}

          <line className="chart-baseline" x1={0} x2={plotWidth} y1={plotHeight} y2={plotHeight} />
          {buckets.map((bucket, index) => {
            const date = new Date(bucket.start);
            if (!isLabelled(date, labelEvery)) return null;
            const x = index * slot + slot / 2;
            const text =
              date.getHours() === 0 && spansDays ? formatDay(date) : hourFormat.format(date);
            return (
              <g key={bucket.start} transform={`translate(${x},${plotHeight})`}>
                <line className="chart-baseline" y2={4} />
                <text className="chart-axis" y={17} textAnchor="middle">
                  {text}
                </text>
              </g>
            );
          })}
        </g>
      </svg>
      <div className="legend">
        {series.map((item) => (
          <span key={item.key} style={{ ['--swatch' as string]: item.color }}>
            {item.label}
          </span>
        ))}
      </div>
    </div>
  );
}

/** Tracks the content width of an element, starting from `initial` before the first layout. */
function useElementWidth(ref: RefObject<HTMLElement | null>, initial: number): number {
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    setWidth(element.clientWidth || initial);
    const observer = new ResizeObserver((entries) => {
      const entry = entries[0];
      if (entry) setWidth(Math.round(entry.contentRect.width) || initial);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref, initial]);
  return width;
}

/** Returns the smallest 1, 2 or 5 times a power of ten that is at least `value` and at least 1. */
function niceMaximum(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 5, 10]) {
    if (factor * power >= value) return factor * power;
  }
  return 10 * power;
}

/** Gridline values: zero, the middle when it is a whole number, and the maximum. */
function yTicks(max: number): number[] {
  return max % 2 === 0 ? [0, max / 2, max] : [0, max];
}

/** Returns the hours between x-axis labels, so that the labels do not overlap. */
function labelStepHours(count: number, bucketSeconds: number, plotWidth: number): number {
  const hoursPerBucket = Math.max(bucketSeconds / 3600, 1);
  const spanHours = count * hoursPerBucket;
  const maxLabels = Math.max(Math.floor(plotWidth / LABEL_WIDTH), 1);
  return (
    LABEL_STEPS_HOURS.find((step) => step >= hoursPerBucket && spanHours / step <= maxLabels) ??
    LABEL_STEPS_HOURS[LABEL_STEPS_HOURS.length - 1]!
  );
}

/** Returns whether a bucket starting at `date` gets an x-axis label, on local clock hours. */
function isLabelled(date: Date, stepHours: number): boolean {
  if (stepHours <= 24) return date.getHours() % stepHours === 0;
  const dayNumber = Math.floor((date.getTime() - date.getTimezoneOffset() * 60000) / 86400000);
  return date.getHours() === 0 && dayNumber % (stepHours / 24) === 0;
}
