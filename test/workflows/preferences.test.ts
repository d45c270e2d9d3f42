import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet } from '../support/inlet.js';
import {
  ok,
  putWorkflow,
  smtpChannel,
  startSmtpSink,
  trigger,
  waitFor,
  waitForRun,
} from './support.js';

describeEachEngine('workflow preferences', (engine) => {
  it('opt-outs mark messages not sent', async () => {
    const inlet = await startTestInlet(engine);
    const sink = await startSmtpSink();
    await ok(inlet, 'PUT', '/v1/channels/smtp', smtpChannel(sink));
    await putWorkflow(inlet, 'billing-alert', {
      name: 'Billing alert',
      categories: ['billing', 'alerts'],
      steps: [
        {
          ref: 'email',
          type: 'email',
          channel: 'smtp',
          template: { subject: 'Card declined', text_body: 'Update your card.' },
        },
        { ref: 'feed', type: 'in_app_feed', template: { body: 'Card declined' } },
      ],
    });
    const users: Record<string, Record<string, unknown>> = {
      everything: {},
      no_workflow: { workflows: { 'billing-alert': false } },
      no_category: { categories: { alerts: false } },
      no_email: { channel_types: { email: false } },
      other_opt_out: { workflows: { newsletter: false }, categories: { marketing: false } },
    };
    for (const [id, preferences] of Object.entries(users)) {
      await ok(inlet, 'PUT', `/v1/users/${id}`, { email: `${id}@example.test` });
      await ok(inlet, 'PUT', `/v1/users/${id}/preferences`, preferences);
    }

    const { workflow_run_ids } = await trigger(inlet, 'billing-alert', {
      recipients: Object.keys(users),
    });
    const runs = await Promise.all(
      workflow_run_ids.map((id) => waitForRun(inlet, id, ['completed'])),
    );
    const outcome = Object.fromEntries(
      runs.map((run) => [
        run.recipient_id,
        Object.fromEntries(run.messages.map((message: any) => [message.step_ref, message])),
      ]),
    );

    expect(outcome.no_workflow.email.status).toBe('not_sent');
    expect(outcome.no_workflow.email.status_reason).toBe('preference');
    expect(outcome.no_workflow.email.status_detail).toBe(
      'The recipient opted out: workflows.billing-alert is false.',
    );
    expect(outcome.no_workflow.feed.status).toBe('not_sent');
    expect(outcome.no_category.email.status_detail).toBe(
      'The recipient opted out: categories.alerts is false.',
    );
    expect(outcome.no_category.feed.status).toBe('not_sent');
    expect(outcome.no_email.email.status).toBe('not_sent');
    expect(outcome.no_email.email.status_detail).toBe(
      'The recipient opted out: channel_types.email is false.',
    );
    expect(outcome.no_email.feed.status).toBe('delivered');
    expect(outcome.everything.feed.status).toBe('delivered');
    expect(outcome.other_opt_out.feed.status).toBe('delivered');

    const sent = await waitFor(async () => {
      const page = await ok(inlet, 'GET', '/v1/messages?channel_type=email&status=sent');
      return page.data.length === 2 ? page : undefined;
    }, 'two sent emails');
    const sentTo = sent.data.map((message: any) => message.recipient_id).sort();
    expect(sentTo).toEqual(['everything', 'other_opt_out']);
    const recipients = sink.messages
      .map((mail) => (mail.to && !Array.isArray(mail.to) ? mail.to.text : ''))
      .sort();
    expect(recipients).toEqual(['everything@example.test', 'other_opt_out@example.test']);

    const feed = await ok(inlet, 'GET', '/v1/users/no_workflow/feeds/default');
    expect(feed.data).toEqual([]);
  });
});
