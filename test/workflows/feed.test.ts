import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import { identify, ok, putWorkflow, request, trigger, waitForRun } from './support.js';

async function deliverFeedMessages(inlet: TestInlet, count: number): Promise<string[]> {
  await putWorkflow(inlet, 'mention', {
    name: 'Mention',
    steps: [
      {
        ref: 'feed',
        type: 'in_app_feed',
        channel: 'app',
        template: {
          markdown: '**{{ actor.name }}** mentioned you: {{ data.n }}',
          action_url: 'https://app.example.test/m/{{ data.n }}',
        },
      },
    ],
  });
  await identify(inlet, 'ada');
  await identify(inlet, 'bob');
  for (let n = 1; n <= count; n += 1) {
    const { workflow_run_ids } = await trigger(inlet, 'mention', {
      recipients: ['ada'],
      actor: 'bob',
      data: { n },
    });
    await waitForRun(inlet, workflow_run_ids[0]!, ['completed']);
  }
  const feed = await ok(inlet, 'GET', '/v1/users/ada/feeds/app?limit=200');
  return feed.data.map((message: any) => message.id);
}

describeEachEngine('workflow feed', (engine) => {
  it('lists newest first with counts', async () => {
    const inlet = await startTestInlet(engine);
    const ids = await deliverFeedMessages(inlet, 3);

    const feed = await ok(inlet, 'GET', '/v1/users/ada/feeds/app');
    expect(feed.data).toHaveLength(3);
    expect(feed.data[0].content).toEqual({
      markdown: '**User bob** mentioned you: 3',
      action_url: 'https://app.example.test/m/3',
    });
    expect(feed.data.map((message: any) => message.content.markdown.at(-1))).toEqual([
      '3',
      '2',
      '1',
    ]);
    expect(feed.unread_count).toBe(3);
    expect(feed.unseen_count).toBe(3);
    expect(feed.data[0].status).toBe('delivered');
    expect(ids).toHaveLength(3);

    const first = await ok(inlet, 'GET', '/v1/users/ada/feeds/app?limit=2');
    expect(first.data).toHaveLength(2);
    const second = await ok(
      inlet,
      'GET',
      `/v1/users/ada/feeds/app?limit=2&after=${first.next_cursor}`,
    );
    expect(second.data.map((message: any) => message.id)).toEqual([ids[2]]);
    expect(second.next_cursor).toBeNull();

    const otherChannel = await ok(inlet, 'GET', '/v1/users/ada/feeds/default');
    expect(otherChannel.data).toEqual([]);
    const otherUser = await ok(inlet, 'GET', '/v1/users/bob/feeds/app');
    expect(otherUser.unread_count).toBe(0);
  });

  it('marks seen, read and archived', async () => {
    const inlet = await startTestInlet(engine);
    const [newest, middle, oldest] = (await deliverFeedMessages(inlet, 3)) as [
      string,
      string,
      string,
    ];

    const seen = await ok(inlet, 'POST', `/v1/messages/${newest}/seen`);
    expect(seen.seen_at).not.toBeNull();
    expect(seen.read_at).toBeNull();
    const seenAgain = await ok(inlet, 'POST', `/v1/messages/${newest}/seen`);
    expect(seenAgain.seen_at).toBe(seen.seen_at);

    const read = await ok(inlet, 'POST', `/v1/messages/${middle}/read`);
    expect(read.read_at).not.toBeNull();
    expect(read.seen_at).not.toBeNull();

    let feed = await ok(inlet, 'GET', '/v1/users/ada/feeds/app');
    expect(feed.unseen_count).toBe(1);
    expect(feed.unread_count).toBe(2);
    const unread = await ok(inlet, 'GET', '/v1/users/ada/feeds/app?status=unread');
    expect(unread.data.map((message: any) => message.id)).toEqual([newest, oldest]);
    const unseen = await ok(inlet, 'GET', '/v1/users/ada/feeds/app?status=unseen');
    expect(unseen.data.map((message: any) => message.id)).toEqual([oldest]);

    await ok(inlet, 'POST', `/v1/messages/${oldest}/archived`);
    feed = await ok(inlet, 'GET', '/v1/users/ada/feeds/app');
    expect(feed.data.map((message: any) => message.id)).toEqual([newest, middle]);
    expect(feed.unseen_count).toBe(0);
    expect(feed.unread_count).toBe(1);
    const withArchived = await ok(inlet, 'GET', '/v1/users/ada/feeds/app?archived=include');
    expect(withArchived.data).toHaveLength(3);
    const onlyArchived = await ok(inlet, 'GET', '/v1/users/ada/feeds/app?archived=only');
    expect(onlyArchived.data.map((message: any) => message.id)).toEqual([oldest]);

    const all = await ok(inlet, 'POST', '/v1/users/ada/feeds/app/mark-all-read');
    expect(all.updated).toBe(1);
    feed = await ok(inlet, 'GET', '/v1/users/ada/feeds/app');
    expect(feed.unread_count).toBe(0);
    expect(feed.unseen_count).toBe(0);

    const bad = await request(inlet, 'POST', `/v1/messages/${newest}/liked`);
    expect(bad.status).toBe(400);
    const missing = await request(
      inlet,
      'POST',
      '/v1/messages/msg_01JAAAAAAAAAAAAAAAAAAAAAAA/read',
    );
    expect(missing.status).toBe(404);
  });

  it('filters the message list', async () => {
    const inlet = await startTestInlet(engine);
    await deliverFeedMessages(inlet, 2);
    await putWorkflow(inlet, 'other', {
      name: 'Other',
      steps: [{ ref: 'feed', type: 'in_app_feed', template: { body: 'x' } }],
    });
    const { workflow_run_ids } = await trigger(inlet, 'other', { recipients: ['bob'] });
    await waitForRun(inlet, workflow_run_ids[0]!, ['completed']);

    const byWorkflow = await ok(inlet, 'GET', '/v1/messages?workflow=mention');
    expect(byWorkflow.data).toHaveLength(2);
    const byRecipient = await ok(inlet, 'GET', '/v1/messages?recipient=bob');
    expect(byRecipient.data.map((message: any) => message.workflow)).toEqual(['other']);
    const byRun = await ok(inlet, 'GET', `/v1/messages?run_id=${workflow_run_ids[0]}`);
    expect(byRun.data).toHaveLength(1);
    const byChannel = await ok(
      inlet,
      'GET',
      '/v1/messages?channel_type=in_app_feed&status=delivered&channel=app',
    );
    expect(byChannel.data).toHaveLength(2);
    const none = await ok(inlet, 'GET', '/v1/messages?status=undelivered');
    expect(none.data).toEqual([]);
    const invalid = await request(inlet, 'GET', '/v1/messages?status=lost');
    expect(invalid.status).toBe(400);
    const production = await ok(inlet, 'GET', '/v1/messages?environment=production');
    expect(production.data).toEqual([]);

    const page = await ok(inlet, 'GET', '/v1/messages?limit=2');
    expect(page.data).toHaveLength(2);
    const rest = await ok(inlet, 'GET', `/v1/messages?limit=2&after=${page.next_cursor}`);
    expect(rest.data).toHaveLength(1);
    expect(rest.next_cursor).toBeNull();
  });
});
