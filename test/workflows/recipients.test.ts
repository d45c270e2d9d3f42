import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet } from '../support/inlet.js';
import { identify, ok, putWorkflow, request, trigger, waitForRun } from './support.js';

const NOTICE = {
  name: 'Project notice',
  steps: [
    {
      ref: 'feed',
      type: 'in_app_feed',
      template: {
        markdown:
          '{{ actor.name }} changed {{ data.project }} for {{ recipient.name }} ({{ recipient.subscription.role }}) at {{ tenant.name }}',
      },
    },
  ],
};

describeEachEngine('workflow recipients', (engine) => {
  it('fans out objects once per subscriber', async () => {
    const inlet = await startTestInlet(engine);
    await putWorkflow(inlet, 'notice', NOTICE);
    for (const id of ['ada', 'bob', 'cy']) await identify(inlet, id);
    await ok(inlet, 'POST', '/v1/objects/projects/apollo/subscriptions', {
      recipients: ['ada', 'bob'],
      properties: { role: 'owner' },
    });
    await ok(inlet, 'POST', '/v1/objects/teams/core/subscriptions', {
      recipients: ['bob', 'cy'],
      properties: { role: 'member' },
    });
    await ok(inlet, 'PUT', '/v1/tenants/acme', { name: 'Acme' });

    const result = await trigger(inlet, 'notice', {
      recipients: [
        { collection: 'projects', id: 'apollo' },
        { collection: 'teams', id: 'core' },
        { collection: 'teams', id: 'missing' },
      ],
      actor: 'ada',
      tenant: 'acme',
      data: { project: 'Apollo' },
    });

    expect(result.workflow_run_ids).toHaveLength(3);
    expect(result.skipped_recipients).toEqual([
      { recipient: { collection: 'teams', id: 'missing' }, reason: 'object_not_found' },
    ]);
    const runs = await Promise.all(
      result.workflow_run_ids.map((id) => waitForRun(inlet, id, ['completed'])),
    );
    const byRecipient = Object.fromEntries(runs.map((run) => [run.recipient_id, run]));
    expect(Object.keys(byRecipient).sort()).toEqual(['ada', 'bob', 'cy']);
    expect(byRecipient.bob.subscription).toEqual({ role: 'owner' });
    expect(byRecipient.bob.messages[0].content.markdown).toBe(
      'User ada changed Apollo for User bob (owner) at Acme',
    );
    expect(byRecipient.cy.messages[0].content.markdown).toBe(
      'User ada changed Apollo for User cy (member) at Acme',
    );
    expect(byRecipient.cy.messages[0].tenant_id).toBe('acme');
  });

  it('identifies inline users and skips unknown ids', async () => {
    const inlet = await startTestInlet(engine);
    await putWorkflow(inlet, 'notice', NOTICE);

    const result = await trigger(inlet, 'notice', {
      recipients: [
        { id: 'dee', name: 'Dee', email: 'dee@example.test', plan: 'pro' },
        'ghost',
        { collection: '$users', id: 'dee' },
      ],
      actor: { id: 'eve', name: 'Eve' },
      tenant: { id: 'inline-co', name: 'Inline Co' },
      data: { project: 'Zeus' },
    });

    expect(result.workflow_run_ids).toHaveLength(1);
    expect(result.skipped_recipients).toEqual([{ recipient: 'ghost', reason: 'user_not_found' }]);
    const run = await waitForRun(inlet, result.workflow_run_ids[0]!, ['completed']);
    expect(run.messages[0].content.markdown).toBe('Eve changed Zeus for Dee () at Inline Co');
    const dee = await ok(inlet, 'GET', '/v1/users/dee');
    expect(dee.email).toBe('dee@example.test');
    expect(dee.properties).toEqual({ plan: 'pro' });
    expect((await ok(inlet, 'GET', '/v1/users/eve')).name).toBe('Eve');
  });

  it('rejects more than 1000 recipients', async () => {
    const inlet = await startTestInlet(engine);
    await putWorkflow(inlet, 'notice', NOTICE);

    const direct = await request(inlet, 'POST', '/v1/workflows/notice/trigger', {
      recipients: Array.from({ length: 1001 }, (_, index) => `user-${index}`),
    });
    expect(direct.status).toBe(422);
    expect(direct.body.code).toBe('too_many_recipients');

    const ids = Array.from({ length: 1001 }, (_, index) => `member-${index}`);
    const db = inlet.inlet.database.db;
    const now = new Date().toISOString();
    await db
      .insertInto('objects')
      .values({
        environment: 'development',
        collection: 'teams',
        id: 'huge',
        name: null,
        properties: '{}',
        source_updated_at: null,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .execute();
    for (let start = 0; start < ids.length; start += 100) {
      const chunk = ids.slice(start, start + 100);
      await db
        .insertInto('users')
        .values(
          chunk.map((id) => ({
            environment: 'development',
            id,
            name: null,
            email: null,
            phone_number: null,
            avatar: null,
            locale: null,
            timezone: null,
            properties: '{}',
            preferences: '{}',
            source_updated_at: null,
            created_at: now,
            updated_at: now,
            deleted_at: null,
          })),
        )
        .execute();
      await ok(inlet, 'POST', '/v1/objects/teams/huge/subscriptions', { recipients: chunk });
    }

    const fanned = await request(inlet, 'POST', '/v1/workflows/notice/trigger', {
      recipients: [{ collection: 'teams', id: 'huge' }],
    });
    expect(fanned.status).toBe(422);
    expect(fanned.body.code).toBe('too_many_recipients');
    expect(fanned.body.message).toContain('1001 recipients');
    expect((await ok(inlet, 'GET', '/v1/workflow-runs')).data).toEqual([]);
  });

  it('scopes runs to the requested environment', async () => {
    const inlet = await startTestInlet(engine);
    await putWorkflow(inlet, 'notice', NOTICE);
    await ok(inlet, 'PUT', '/v1/users/ada?environment=production', { name: 'Ada in production' });

    const missing = await trigger(inlet, 'notice', { recipients: ['ada'], data: { project: 'X' } });
    expect(missing.skipped_recipients).toEqual([{ recipient: 'ada', reason: 'user_not_found' }]);

    const result = await trigger(
      inlet,
      'notice',
      { recipients: ['ada'], data: { project: 'X' } },
      { 'inlet-environment': 'production' },
    );
    expect(result.workflow_run_ids).toHaveLength(1);
    expect(
      (await request(inlet, 'GET', `/v1/workflow-runs/${result.workflow_run_ids[0]}`)).status,
    ).toBe(404);
    const run = await ok(
      inlet,
      'GET',
      `/v1/workflow-runs/${result.workflow_run_ids[0]}?environment=production`,
    );
    expect(run.environment).toBe('production');
  });
});
