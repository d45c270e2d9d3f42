/** A step duration: a whole number of seconds, or a string such as `30s`, `5m`, `2h` or `1d`. */
export type Duration = string | number;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Longest delay, batch window or throttle window, in seconds (365 days). */
export const MAX_DURATION_SECONDS = 365 * 86_400;

/**
 * Converts a duration to seconds. Returns an error message instead when the value is not a
 * positive whole number of seconds or `<number><s|m|h|d>`, or exceeds MAX_DURATION_SECONDS.
 */
export function durationSeconds(value: Duration): number | string {
  const seconds = typeof value === 'number' ? value : parseDurationString(value);
  if (seconds === undefined || !Number.isInteger(seconds) || seconds < 1) {
    return `invalid duration ${JSON.stringify(value)}: use whole seconds or a number followed by s, m, h or d, such as "30s" or "2h"`;
  }
  if (seconds > MAX_DURATION_SECONDS) {
    return `duration ${JSON.stringify(value)} exceeds the maximum of 365 days`;
  }
  return seconds;
}

/** Converts a duration that passed validation to milliseconds. */
export function durationMs(value: Duration): number {
  const seconds = durationSeconds(value);
  if (typeof seconds === 'string') throw new Error(seconds);
  return seconds * 1000;
}

function parseDurationString(value: string): number | undefined {
  const match = /^\s*(\d{1,9})\s*([smhd])\s*$/.exec(value);
  if (match === null) return undefined;
  return Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}
