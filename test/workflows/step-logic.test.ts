import { describe, expect, it } from 'vitest';
import { conditionHolds } from '../../src/workflows/conditions.js';
import { advance, DEFAULT_BRANCH, enterBranch, stepAt, START } from '../../src/workflows/cursor.js';
import { parseWorkflowDefinition, type Step } from '../../src/workflows/definition.js';
import { durationSeconds } from '../../src/workflows/duration.js';
import { checkPreferences } from '../../src/workflows/preferences.js';

// Pure step logic: no storage is involved, so these run once rather than per engine.

function feed(ref: string): Step {
  return { ref, type: 'in_app_feed', channel: 'default', template: { body: ref } };
}

const TREE: Step[] = [
  feed('a'),
  {
    ref: 'route',
    type: 'branch',
    branches: [
      {
        name: 'one',
        match: 'all',
        conditions: [{ path: 'data.x', operator: 'exists' }],
        steps: [feed('b1'), feed('b2')],
      },
      {
        name: 'empty',
        match: 'all',
        conditions: [{ path: 'data.x', operator: 'exists' }],
        steps: [],
      },
    ],
    default_steps: [
      {
        ref: 'inner',
        type: 'branch',
        branches: [
          {
            name: 'deep',
            match: 'all',
            conditions: [{ path: 'data.y', operator: 'exists' }],
            steps: [feed('d1')],
          },
        ],
      },
    ],
  },
  feed('z'),
];

describe('workflow cursor', () => {
  it('walks branches and returns to the parent list', () => {
    let cursor = advance(TREE, START);
    expect(stepAt(TREE, cursor)?.ref).toBe('route');

    cursor = enterBranch(TREE, cursor, 0);
    expect(cursor).toEqual([1, 0, 0]);
    expect(stepAt(TREE, cursor)?.ref).toBe('b1');
    cursor = advance(TREE, cursor);
    expect(stepAt(TREE, cursor)?.ref).toBe('b2');
    cursor = advance(TREE, cursor);
    expect(cursor).toEqual([2]);
    expect(stepAt(TREE, cursor)?.ref).toBe('z');
    expect(stepAt(TREE, advance(TREE, cursor))).toBeUndefined();
  });

  it('skips an empty branch and nests default steps', () => {
    expect(enterBranch(TREE, [1], 1)).toEqual([2]);

    const inner = enterBranch(TREE, [1], DEFAULT_BRANCH);
    expect(stepAt(TREE, inner)?.ref).toBe('inner');
    const deep = enterBranch(TREE, inner, 0);
    expect(deep).toEqual([1, -1, 0, 0, 0]);
    expect(stepAt(TREE, deep)?.ref).toBe('d1');
    expect(advance(TREE, deep)).toEqual([2]);
    expect(advance(TREE, inner)).toEqual([2]);
  });
});

describe('workflow conditions', () => {
  const scope = {
    data: {
      plan: 'pro',
      seats: '12',
      tags: ['a', 'b'],
      at: '2025-03-10T14:20:05Z',
      nothing: null,
      nested: { n: 1 },
    },
    recipient: { email: 'ada@example.test' },
  };
  const cases: Array<[string, string, unknown, boolean]> = [
    ['data.plan', 'equal_to', 'pro', true],
    ['data.plan', 'equal_to', 'team', false],
    ['data.seats', 'equal_to', 12, true],
    ['data.nested', 'equal_to', { n: 1 }, true],
    ['data.plan', 'not_equal_to', 'team', true],
    ['data.missing', 'not_equal_to', 'x', true],
    ['data.seats', 'greater_than', 10, true],
    ['data.seats', 'less_than', 10, false],
    ['data.at', 'greater_than', '2025-01-01T00:00:00Z', true],
    ['data.plan', 'greater_than', 3, false],
    ['data.missing', 'less_than', 3, false],
    ['data.tags', 'contains', 'b', true],
    ['data.tags', 'not_contains', 'c', true],
    ['recipient.email', 'contains', '@example.test', true],
    ['data.plan', 'is_in', ['pro', 'enterprise'], true],
    ['data.plan', 'is_in', 'professional', true],
    ['data.plan', 'is_in', ['team'], false],
    ['data.plan', 'exists', undefined, true],
    ['data.nothing', 'exists', undefined, false],
    ['data.nothing', 'not_exists', undefined, true],
    ['tenant.id', 'not_exists', undefined, true],
  ];

  it.each(cases)('%s %s %j is %s', (path, operator, value, expected) => {
    const condition = {
      path,
      operator: operator as never,
      ...(value === undefined ? {} : { value }),
    };
    expect(conditionHolds(condition, scope)).toBe(expected);
  });
});

describe('workflow durations', () => {
  it.each([
    ['30s', 30],
    ['5m', 300],
    ['2h', 7200],
    ['1d', 86_400],
    [45, 45],
  ] as const)('%s is %i seconds', (value, seconds) => {
    expect(durationSeconds(value)).toBe(seconds);
  });

  it.each(['', '5', '1w', '-5m', '1.5h', '366d'] as const)('rejects %j', (value) => {
    expect(typeof durationSeconds(value)).toBe('string');
  });

  it('rejects zero and fractions', () => {
    expect(typeof durationSeconds(0)).toBe('string');
    expect(typeof durationSeconds(1.5)).toBe('string');
  });
});

describe('workflow preferences', () => {
  const workflow = { key: 'billing-alert', categories: ['billing'] };

  it('applies the first opt-out', () => {
    expect(checkPreferences(undefined, workflow, 'email')).toEqual({ allowed: true });
    expect(checkPreferences({ workflows: { 'billing-alert': true } }, workflow, 'email')).toEqual({
      allowed: true,
    });
    expect(
      checkPreferences(
        { workflows: { 'billing-alert': false }, channel_types: { email: false } },
        workflow,
        'email',
      ),
    ).toEqual({
      allowed: false,
      rule: 'workflows.billing-alert is false',
    });
    expect(
      checkPreferences(
        { categories: { billing: { channel_types: { email: false } } } },
        workflow,
        'email',
      ),
    ).toEqual({
      allowed: false,
      rule: 'categories.billing.channel_types.email is false',
    });
    expect(
      checkPreferences(
        { categories: { billing: { channel_types: { email: false } } } },
        workflow,
        'chat',
      ),
    ).toEqual({ allowed: true });
  });
});

describe('workflow definition defaults', () => {
  it('fills defaults', () => {
    const result = parseWorkflowDefinition({
      name: 'Digest',
      steps: [
        { ref: 'collect', type: 'batch', window: '1h' },
        { ref: 'feed', type: 'in_app_feed', template: { body: 'x' } },
      ],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.definition).toEqual({
      name: 'Digest',
      description: null,
      active: true,
      categories: [],
      steps: [
        { ref: 'collect', type: 'batch', window: '1h', max_items: 1000 },
        { ref: 'feed', type: 'in_app_feed', channel: 'default', template: { body: 'x' } },
      ],
    });
  });
});
