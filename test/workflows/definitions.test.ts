import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet } from '../support/inlet.js';
import { identify, ok, putWorkflow, request } from './support.js';

const FEED_STEP = {
  ref: 'feed',
  type: 'in_app_feed',
  template: { markdown: 'Hi {{ recipient.name }}' },
};

describeEachEngine('workflow definitions', (engine) => {
  it('validation errors name step and field', async () => {
    const inlet = await startTestInlet(engine);

    const missingSubject = await request(inlet, 'PUT', '/v1/workflows/onboarding', {
      name: 'Onboarding',
      steps: [
        FEED_STEP,
        { ref: 'wait', type: 'delay', duration: '1d' },
        {
          ref: 'welcome-email',
          type: 'email',
          channel: 'smtp',
          template: { html_body: '<p>Hi</p>' },
        },
      ],
    });
    expect(missingSubject.status).toBe(400);
    expect(missingSubject.body.code).toBe('validation_failed');
    expect(missingSubject.body.message).toContain(
      'steps[2] (ref "welcome-email").template.subject: Required',
    );
    expect(missingSubject.body.details.errors).toEqual([
      { path: 'steps[2] (ref "welcome-email").template.subject', message: 'Required' },
    ]);

    const badLiquid = await request(inlet, 'PUT', '/v1/workflows/onboarding', {
      name: 'Onboarding',
      steps: [
        {
          ref: 'chat',
          type: 'chat',
          channel: 'slack',
          template: { text: 'Hi {{ recipient.name | shout }}' },
        },
      ],
    });
    expect(badLiquid.status).toBe(400);
    expect(badLiquid.body.message).toContain(
      'steps[0] (ref "chat").template.text: invalid Liquid template: undefined filter: shout',
    );

    const nested = await request(inlet, 'PUT', '/v1/workflows/onboarding', {
      name: 'Onboarding',
      steps: [
        {
          ref: 'route',
          type: 'branch',
          branches: [
            {
              name: 'pro',
              conditions: [{ path: 'data.plan', operator: 'equal_to', value: 'pro' }],
              steps: [
                {
                  ref: 'hook',
                  type: 'webhook',
                  channel: 'crm',
                  template: { body: { text: '{{ data.plan' } },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(nested.status).toBe(400);
    expect(nested.body.message).toContain(
      'steps[0] (ref "route").branches[0].steps[0] (ref "hook").template.body.text: invalid Liquid template',
    );
  });

  it('rejects invalid durations, paths and duplicate refs', async () => {
    const inlet = await startTestInlet(engine);
    const cases: Array<[unknown[], string]> = [
      [
        [{ ref: 'wait', type: 'delay', duration: '3 weeks' }],
        'steps[0] (ref "wait").duration: invalid duration "3 weeks"',
      ],
      [
        [{ ref: 'wait', type: 'delay' }],
        'steps[0] (ref "wait"): set exactly one of "duration" and "until_path"',
      ],
      [
        [{ ref: 'group', type: 'batch', window: '5m', key_path: 'body.org' }],
        'steps[0] (ref "group").key_path: path "body.org" must start with',
      ],
      [[FEED_STEP, { ...FEED_STEP }], 'steps[1] (ref "feed").ref: duplicate ref "feed"'],
      [
        [{ ref: 'sms', type: 'sms' }],
        'steps[0] (ref "sms").type: Invalid discriminator value. Expected \'in_app_feed\'',
      ],
      [
        [{ ref: 'feed', type: 'in_app_feed', template: { html: 'x' } }],
        'steps[0] (ref "feed").template: Unrecognized key(s) in object: \'html\'',
      ],
      [[], 'steps: a workflow needs at least one step'],
    ];

    for (const [steps, expected] of cases) {
      const response = await request(inlet, 'PUT', '/v1/workflows/broken', {
        name: 'Broken',
        steps,
      });
      expect(response.status, JSON.stringify(steps)).toBe(400);
      expect(response.body.message).toContain(expected);
    }
    expect((await request(inlet, 'GET', '/v1/workflows/broken')).status).toBe(404);
  });

  it('saves, lists, versions and deletes', async () => {
    const inlet = await startTestInlet(engine);

    const created = await request(inlet, 'PUT', '/v1/workflows/welcome', {
      name: 'Welcome',
      categories: ['onboarding'],
      steps: [FEED_STEP],
    });
    expect(created.status).toBe(201);
    expect(created.body.version).toBe(1);
    expect(created.body.active).toBe(true);
    expect(created.body.steps[0].channel).toBe('default');

    const updated = await request(inlet, 'PUT', '/v1/workflows/welcome', {
      name: 'Welcome!',
      steps: [FEED_STEP],
    });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);
    expect(updated.body.created_at).toBe(created.body.created_at);

    const list = await ok(inlet, 'GET', '/v1/workflows');
    expect(list.data.map((workflow: any) => workflow.key)).toEqual(['welcome']);
    expect(list.data[0].name).toBe('Welcome!');

    const mismatch = await request(inlet, 'PUT', '/v1/workflows/welcome', {
      key: 'other',
      name: 'x',
      steps: [FEED_STEP],
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toContain('differs from the workflow key "welcome"');

    expect((await request(inlet, 'DELETE', '/v1/workflows/welcome')).status).toBe(204);
    expect((await request(inlet, 'GET', '/v1/workflows/welcome')).body.code).toBe(
      'workflow_not_found',
    );
    expect((await request(inlet, 'DELETE', '/v1/workflows/welcome')).status).toBe(404);

    const spec = (await (await fetch(`${inlet.url}/openapi.json`)).json()) as any;
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/workflows/{key}/trigger',
        '/v1/users/{id}/feeds/{channel}',
        '/v1/channels/{key}',
      ]),
    );
  });

  it('trigger errors for unknown and inactive workflows', async () => {
    const inlet = await startTestInlet(engine);
    await identify(inlet, 'ada');

    const unknown = await request(inlet, 'POST', '/v1/workflows/nope/trigger', {
      recipients: ['ada'],
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('workflow_not_found');

    await putWorkflow(inlet, 'paused', { name: 'Paused', active: false, steps: [FEED_STEP] });
    const inactive = await request(inlet, 'POST', '/v1/workflows/paused/trigger', {
      recipients: ['ada'],
    });
    expect(inactive.status).toBe(422);
    expect(inactive.body.code).toBe('workflow_inactive');

    const noRecipients = await request(inlet, 'POST', '/v1/workflows/paused/trigger', {
      recipients: [],
    });
    expect(noRecipients.status).toBe(400);
    expect(noRecipients.body.code).toBe('validation_failed');

    const badRecipient = await request(inlet, 'POST', '/v1/workflows/paused/trigger', {
      recipients: [42],
    });
    expect(badRecipient.status).toBe(400);
    expect(badRecipient.body.message).toContain('recipients[0] must be a user id');

    const unknownEnvironment = await request(
      inlet,
      'POST',
      '/v1/workflows/paused/trigger?environment=staging',
      { recipients: ['ada'] },
    );
    expect(unknownEnvironment.status).toBe(404);
    expect(unknownEnvironment.body.code).toBe('unknown_environment');

    const runs = await ok(inlet, 'GET', '/v1/workflow-runs');
    expect(runs.data).toEqual([]);
  });
});
