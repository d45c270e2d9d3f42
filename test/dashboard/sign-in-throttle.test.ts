import { expect, it } from 'vitest';
import { SignInThrottle } from '../../src/dashboard/sign-in-throttle.js';

it('blocks an address for its window', () => {
  const throttle = new SignInThrottle(3, 60_000);
  for (let attempt = 0; attempt < 3; attempt += 1) throttle.recordFailure('10.0.0.1', 1_000);

  expect(throttle.retryAfterSeconds('10.0.0.1', 1_000)).toBe(60);
  expect(throttle.retryAfterSeconds('10.0.0.2', 1_000)).toBe(0);
  expect(throttle.retryAfterSeconds('10.0.0.1', 61_000)).toBe(0);
});

it('forgets failures after a success', () => {
  const throttle = new SignInThrottle(3, 60_000);
  throttle.recordFailure('10.0.0.1', 0);
  throttle.recordFailure('10.0.0.1', 0);
  throttle.recordSuccess('10.0.0.1');

  expect(throttle.recordFailure('10.0.0.1', 0)).toBe(1);
});

it('keeps blocked addresses when flooded', () => {
  const throttle = new SignInThrottle(2, 60_000);
  throttle.recordFailure('blocked', 0);
  throttle.recordFailure('blocked', 0);
  for (let index = 0; index < 25_000; index += 1) throttle.recordFailure(`flood-${index}`, 10);

  expect(throttle.retryAfterSeconds('blocked', 20)).toBeGreaterThan(0);
});
