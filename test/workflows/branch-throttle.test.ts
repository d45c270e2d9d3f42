import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet } from '../support/inlet.js';
import { controlClock, identify, putWorkflow, trigger, waitForRun } from './support.js';

describeEachEngine('workflow branch and throttle', (engine) => {
  it('branch runs the first matching steps', async () => {
    const inlet = await startTestInlet(engine);
    await putWorkflow(inlet, 'routing', {
      name: 'Routing',
      steps: [
        {
          ref: 'route',
          type: 'branch',
          branches: [
            {
              name: 'enterprise',
              conditions: [
                { path: 'data.plan', operator: 'equal_to', value: 'enterprise' },
                { path: 'data.seats', operator: 'greater_than', value: 100 },
              ],
              steps: [
                { ref: 'enterprise-feed', type: 'in_app_feed', template: { body: 'enterprise' } },
              ],
            },
            {
              name: 'tagged',
              match: 'any',
              conditions: [
                { path: 'data.tags', operator: 'contains', value: 'vip' },
                { path: 'recipient.email', operator: 'contains', value: '@partner.test' },
                { path: 'data.region', operator: 'is_in', value: ['eu', 'uk'] },
              ],
              steps: [{ ref: 'tagged-feed', type: 'in_app_feed', template: { body: 'tagged' } }],
            },
            {
              name: 'no-plan',
              conditions: [{ path: 'data.plan', operator: 'not_exists' }],
              steps: [],
            },
          ],
          default_steps: [
            { ref: 'default-feed', type: 'in_app_feed', template: { body: 'default' } },
          ],
        },
        { ref: 'after', type: 'in_app_feed', template: { body: 'after' } },
      ],
    });
    await identify(inlet, 'ada');
    await identify(inlet, 'pat', { email: 'pat@partner.test' });

    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      ['ada', { plan: 'enterprise', seats: '250' }, ['enterprise-feed', 'after']],
      ['ada', { plan: 'enterprise', seats: 20 }, ['default-feed', 'after']],
      ['ada', { plan: 'team', tags: ['new', 'vip'] }, ['tagged-feed', 'after']],
      ['pat', { plan: 'team' }, ['tagged-feed', 'after']],
      ['ada', { plan: 'team', region: 'eu' }, ['tagged-feed', 'after']],
      ['ada', {}, ['after']],
    ];
    for (const [recipient, data, expected] of cases) {
      const { workflow_run_ids } = await trigger(inlet, 'routing', {
        recipients: [recipient],
        data,
      });
      const run = await waitForRun(inlet, workflow_run_ids[0]!, ['completed']);
      const label = `${recipient} ${JSON.stringify(data)}`;
      expect(
        run.messages.map((message: any) => message.step_ref),
        label,
      ).toEqual(expected);
      expect(run.steps[0].ref, label).toBe('route');
    }
  });

  it('throttle stops runs beyond the limit', async () => {
    const inlet = await startTestInlet(engine);
    const clock = controlClock(inlet);
    await putWorkflow(inlet, 'alerts', {
      name: 'Alerts',
      steps: [
        { ref: 'limit', type: 'throttle', window: '1h', limit: 2 },
        { ref: 'feed', type: 'in_app_feed', template: { body: 'alert {{ data.n }}' } },
      ],
    });
    await identify(inlet, 'ada');
    await identify(inlet, 'bob');

    const statuses: string[] = [];
    for (let n = 1; n <= 3; n += 1) {
      const { workflow_run_ids } = await trigger(inlet, 'alerts', {
        recipients: ['ada'],
        data: { n },
      });
      statuses.push(
        (await waitForRun(inlet, workflow_run_ids[0]!, ['completed', 'throttled'])).status,
      );
    }
    expect(statuses).toEqual(['completed', 'completed', 'throttled']);

    const bob = await trigger(inlet, 'alerts', { recipients: ['bob'], data: { n: 4 } });
    expect(
      (await waitForRun(inlet, bob.workflow_run_ids[0]!, ['completed', 'throttled'])).status,
    ).toBe('completed');

    await clock.advance(60 * 60 * 1000);
    const later = await trigger(inlet, 'alerts', { recipients: ['ada'], data: { n: 5 } });
    const run = await waitForRun(inlet, later.workflow_run_ids[0]!, ['completed', 'throttled']);
    expect(run.status).toBe('completed');
    expect(run.steps[0].detail).toMatchObject({ count: 1, limit: 2 });
  });

  it('throttle by key path', async () => {
    const inlet = await startTestInlet(engine);
    await putWorkflow(inlet, 'org-alerts', {
      name: 'Org alerts',
      steps: [
        {
          ref: 'limit',
          type: 'throttle',
          window: '1d',
          limit: 1,
          key_path: 'data.organization_id',
        },
        { ref: 'feed', type: 'in_app_feed', template: { body: 'alert' } },
      ],
    });
    await identify(inlet, 'ada');
    await identify(inlet, 'bob');

    const first = await trigger(inlet, 'org-alerts', {
      recipients: ['ada'],
      data: { organization_id: 'org_1' },
    });
    const second = await trigger(inlet, 'org-alerts', {
      recipients: ['bob'],
      data: { organization_id: 'org_1' },
    });
    const other = await trigger(inlet, 'org-alerts', {
      recipients: ['bob'],
      data: { organization_id: 'org_2' },
    });

    expect(
      (await waitForRun(inlet, first.workflow_run_ids[0]!, ['completed', 'throttled'])).status,
    ).toBe('completed');
    const throttled = await waitForRun(inlet, second.workflow_run_ids[0]!, [
      'completed',
      'throttled',
    ]);
    expect(throttled.status).toBe('throttled');
    expect(throttled.steps[0]).toMatchObject({
      status: 'throttled',
      detail: { count: 2, limit: 1 },
    });
    expect(
      (await waitForRun(inlet, other.workflow_run_ids[0]!, ['completed', 'throttled'])).status,
    ).toBe('completed');
  });
});
