import { expect, it } from 'vitest';
import { verifyInletWebhook } from '../../src/deliver/channels/webhook.js';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet } from '../support/inlet.js';
import {
  identify,
  ok,
  putWorkflow,
  request,
  smtpChannel,
  startReceiver,
  startSmtpSink,
  trigger,
  waitFor,
  waitForMessages,
  waitForRun,
} from './support.js';

const SIGNING_SECRET = 'whsec_inlet_test_0123456789abcdef';

describeEachEngine('workflow channels', (engine) => {
  it('sends email through a real SMTP server', async () => {
    const inlet = await startTestInlet(engine);
    const sink = await startSmtpSink();
    await ok(inlet, 'PUT', '/v1/channels/smtp', smtpChannel(sink));
    await putWorkflow(inlet, 'invoice', {
      name: 'Invoice',
      steps: [
        {
          ref: 'email',
          type: 'email',
          channel: 'smtp',
          template: {
            subject: 'Invoice {{ data.number }} for {{ recipient.name }}',
            html_body: '<p>Total: {{ data.total }}</p><p>{{ data.note }}</p>',
            text_body: 'Total: {{ data.total }}',
          },
        },
      ],
    });
    await identify(inlet, 'ada', { name: 'Ada Lovelace', email: 'ada@example.test' });

    const { workflow_run_ids } = await trigger(inlet, 'invoice', {
      recipients: ['ada'],
      data: { number: 'INV-7', total: '42.00 EUR', note: '<script>x</script>' },
    });
    await waitForRun(inlet, workflow_run_ids[0]!, ['completed']);
    const [message] = await waitForMessages(inlet, 'workflow=invoice', 1);

    expect(message.status).toBe('sent');
    expect(message.attempts).toBe(1);
    expect(sink.messages).toHaveLength(1);
    const mail = sink.messages[0]!;
    expect(mail.subject).toBe('Invoice INV-7 for Ada Lovelace');
    expect(Array.isArray(mail.to)).toBe(false);
    expect((mail.to as { text: string } | undefined)?.text).toBe('ada@example.test');
    expect(mail.from?.value[0]).toMatchObject({ name: 'Inlet', address: 'notify@example.test' });
    expect(mail.html).toBe('<p>Total: 42.00 EUR</p><p>&lt;script&gt;x&lt;/script&gt;</p>');
    expect(mail.text?.trim()).toBe('Total: 42.00 EUR');

    const detail = await ok(inlet, 'GET', `/v1/messages/${message.id}`);
    expect(detail.provider_response.accepted).toEqual(['ada@example.test']);
    expect(detail.content.subject).toBe('Invoice INV-7 for Ada Lovelace');
  });

  it('posts chat and signed webhook messages', async () => {
    const inlet = await startTestInlet(engine);
    const chat = await startReceiver();
    const hook = await startReceiver();
    await ok(inlet, 'PUT', '/v1/channels/slack', { type: 'chat', settings: { url: chat.url } });
    await ok(inlet, 'PUT', '/v1/channels/crm', {
      type: 'webhook',
      settings: { url: hook.url, signing_secret: SIGNING_SECRET },
    });
    await putWorkflow(inlet, 'signup', {
      name: 'Signup',
      steps: [
        {
          ref: 'chat',
          type: 'chat',
          channel: 'slack',
          template: { text: '{{ recipient.name }} signed up on {{ data.plan }}' },
        },
        {
          ref: 'hook',
          type: 'webhook',
          channel: 'crm',
          template: {
            body: {
              user: '{{ recipient.id }}',
              plan: '{{ data.plan }}',
              tags: ['new', '{{ data.plan }}'],
            },
          },
        },
      ],
    });
    await identify(inlet, 'ada');

    await trigger(inlet, 'signup', { recipients: ['ada'], data: { plan: 'pro' } });
    const messages = await waitForMessages(inlet, 'workflow=signup', 2);

    expect(messages.map((message) => message.status)).toEqual(['delivered', 'delivered']);
    expect(chat.requests).toHaveLength(1);
    expect(JSON.parse(chat.requests[0]!.rawBody.toString())).toEqual({
      text: 'User ada signed up on pro',
    });

    expect(hook.requests).toHaveLength(1);
    const delivery = hook.requests[0]!;
    const verified = verifyInletWebhook(delivery.rawBody, delivery.headers, SIGNING_SECRET);
    expect(verified.ok).toBe(true);
    const webhookMessage = messages.find((message) => message.channel_type === 'webhook');
    expect(delivery.headers['inlet-webhook-id']).toBe(webhookMessage.id);
    expect(JSON.parse(delivery.rawBody.toString())).toEqual({
      user: 'ada',
      plan: 'pro',
      tags: ['new', 'pro'],
    });
    expect(
      verifyInletWebhook(delivery.rawBody, delivery.headers, 'whsec_some_other_secret_value').ok,
    ).toBe(false);
  });

  it('retries 503 until delivered', async () => {
    const inlet = await startTestInlet(engine);
    const hook = await startReceiver((response, _request, index) => {
      if (index < 2) {
        response.writeHead(503, { 'retry-after': '1' }).end('busy');
      } else {
        response.end('ok');
      }
    });
    await ok(inlet, 'PUT', '/v1/channels/crm', {
      type: 'webhook',
      settings: { url: hook.url, signing_secret: SIGNING_SECRET },
    });
    await putWorkflow(inlet, 'flaky', {
      name: 'Flaky',
      steps: [{ ref: 'hook', type: 'webhook', channel: 'crm', template: { body: { n: '1' } } }],
    });
    await identify(inlet, 'ada');

    await trigger(inlet, 'flaky', { recipients: ['ada'] });
    const [message] = await waitForMessages(inlet, 'workflow=flaky', 1);

    expect(message.status).toBe('delivered');
    expect(message.attempts).toBe(3);
    expect(message.error).toBeNull();
    expect(hook.requests).toHaveLength(3);
    const ids = new Set(hook.requests.map((received) => received.headers['inlet-webhook-id']));
    expect(ids.size).toBe(1);
  });

  it('marks 400 undelivered without retry', async () => {
    const inlet = await startTestInlet(engine);
    const hook = await startReceiver((response) => response.writeHead(400).end('bad payload'));
    await ok(inlet, 'PUT', '/v1/channels/crm', {
      type: 'webhook',
      settings: { url: hook.url, signing_secret: SIGNING_SECRET },
    });
    await putWorkflow(inlet, 'rejected', {
      name: 'Rejected',
      steps: [{ ref: 'hook', type: 'webhook', channel: 'crm', template: { body: { n: '1' } } }],
    });
    await identify(inlet, 'ada');

    await trigger(inlet, 'rejected', { recipients: ['ada'] });
    const [message] = await waitForMessages(inlet, 'workflow=rejected', 1);

    expect(message.status).toBe('undelivered');
    expect(message.attempts).toBe(1);
    expect(message.error.code).toBe('http_4xx');
    const detail = await ok(inlet, 'GET', `/v1/messages/${message.id}`);
    expect(detail.provider_response).toEqual({ status: 400, body: 'bad payload' });
    const jobs = await inlet.inlet.queue.countByStatus();
    expect(jobs.pending ?? 0).toBe(0);
    expect(hook.requests).toHaveLength(1);
  });

  it('blocks destinations outside the allow list', async () => {
    const inlet = await startTestInlet(engine, { INLET_OUTBOUND_ALLOW_HOSTS: '' });
    const hook = await startReceiver();
    await ok(inlet, 'PUT', '/v1/channels/crm', {
      type: 'webhook',
      settings: { url: hook.url, signing_secret: SIGNING_SECRET },
    });
    await putWorkflow(inlet, 'internal', {
      name: 'Internal',
      steps: [{ ref: 'hook', type: 'webhook', channel: 'crm', template: { body: { n: '1' } } }],
    });
    await identify(inlet, 'ada');

    await trigger(inlet, 'internal', { recipients: ['ada'] });
    const [message] = await waitForMessages(inlet, 'workflow=internal', 1);

    expect(message.status).toBe('undelivered');
    expect(message.error.code).toBe('destination_blocked');
    expect(hook.requests).toHaveLength(0);
  });

  it('keeps channel secrets write-only', async () => {
    const inlet = await startTestInlet(engine);
    const put = await request(inlet, 'PUT', '/v1/channels/smtp', {
      type: 'email',
      settings: {
        host: 'smtp.example.test',
        port: 587,
        require_tls: true,
        username: 'mailer',
        password: 'smtp-password-1234',
        from: 'notify@example.test',
      },
    });
    expect(put.status).toBe(201);
    expect(put.body.settings.password).toBeUndefined();
    expect(put.body.secret_hints).toEqual({ password: '…1234' });

    // Changing another setting keeps the stored password.
    const updated = await ok(inlet, 'PUT', '/v1/channels/smtp', {
      type: 'email',
      settings: {
        host: 'smtp2.example.test',
        port: 587,
        require_tls: true,
        username: 'mailer',
        from: 'notify@example.test',
      },
    });
    expect(updated.secret_hints).toEqual({ password: '…1234' });
    expect(updated.settings.host).toBe('smtp2.example.test');

    await ok(inlet, 'PUT', '/v1/channels/slack', {
      type: 'chat',
      settings: { url: 'https://hooks.example.test/services/T000/B000/secretpart' },
    });
    const chat = await ok(inlet, 'GET', '/v1/channels/slack');
    expect(chat.settings).toEqual({});
    expect(JSON.stringify(chat)).not.toContain('secretpart');

    const rows = await inlet.inlet.database.db.selectFrom('channels').selectAll().execute();
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain('smtp-password-1234');
    expect(stored).not.toContain('secretpart');

    const list = await ok(inlet, 'GET', '/v1/channels');
    expect(list.data.map((channel: any) => channel.key)).toEqual(['slack', 'smtp']);
    const production = await ok(inlet, 'GET', '/v1/channels', undefined, {
      'inlet-environment': 'production',
    });
    expect(production.data).toEqual([]);

    const missingSecret = await request(inlet, 'PUT', '/v1/channels/crm', {
      type: 'webhook',
      settings: { url: 'https://example.test/hook' },
    });
    expect(missingSecret.status).toBe(400);
    expect(missingSecret.body.message).toContain('settings.signing_secret: Required');
  });

  it('records unconfigured channels as not sent', async () => {
    const inlet = await startTestInlet(engine);
    await putWorkflow(inlet, 'orphan', {
      name: 'Orphan',
      steps: [
        { ref: 'chat', type: 'chat', channel: 'slack', template: { text: 'hi' } },
        { ref: 'feed', type: 'in_app_feed', template: { body: 'still here' } },
      ],
    });
    await identify(inlet, 'ada');

    const { workflow_run_ids } = await trigger(inlet, 'orphan', { recipients: ['ada'] });
    const run = await waitForRun(inlet, workflow_run_ids[0]!, ['completed']);

    const chat = run.messages.find((message: any) => message.step_ref === 'chat');
    expect(chat.status).toBe('not_sent');
    expect(chat.status_reason).toBe('channel_not_configured');
    expect(chat.status_detail).toContain('PUT /v1/channels/slack');
    const feed = run.messages.find((message: any) => message.step_ref === 'feed');
    expect(feed.status).toBe('delivered');
    await waitFor(async () => run.steps.length === 2, 'both steps recorded');
  });

  it('records render and address failures', async () => {
    const inlet = await startTestInlet(engine);
    const sink = await startSmtpSink();
    const chat = await startReceiver();
    await ok(inlet, 'PUT', '/v1/channels/smtp', smtpChannel(sink));
    await ok(inlet, 'PUT', '/v1/channels/slack', { type: 'chat', settings: { url: chat.url } });
    await putWorkflow(inlet, 'fragile', {
      name: 'Fragile',
      steps: [
        {
          ref: 'email',
          type: 'email',
          channel: 'smtp',
          template: { subject: 'Hi', text_body: 'Hi' },
        },
        {
          ref: 'chat',
          type: 'chat',
          channel: 'slack',
          template: { text: "Hi {% include 'missing' %}" },
        },
      ],
    });
    await ok(inlet, 'PUT', '/v1/users/no-email', { name: 'No Email' });

    const { workflow_run_ids } = await trigger(inlet, 'fragile', { recipients: ['no-email'] });
    const run = await waitForRun(inlet, workflow_run_ids[0]!, ['completed']);

    const email = run.messages.find((message: any) => message.step_ref === 'email');
    expect(email.status).toBe('not_sent');
    expect(email.status_reason).toBe('missing_email');
    const failed = run.messages.find((message: any) => message.step_ref === 'chat');
    expect(failed.status).toBe('undelivered');
    expect(failed.error.code).toBe('template_error');
    expect(failed.error.message).toContain('The text template failed to render');
    expect(chat.requests).toHaveLength(0);
    expect(sink.messages).toHaveLength(0);
  });
});
