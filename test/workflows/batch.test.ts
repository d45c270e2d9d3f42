import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import {
  controlClock,
  identify,
  ok,
  putWorkflow,
  trigger,
  waitFor,
  waitForRun,
} from './support.js';

const MINUTE = 60 * 1000;

function digest(options: { maxItems?: number } = {}) {
  return {
    name: 'Activity digest',
    steps: [
      {
        ref: 'collect',
        type: 'batch',
        window: '10m',
        key_path: 'data.organization_id',
        ...(options.maxItems ? { max_items: options.maxItems } : {}),
      },
      {
        ref: 'feed',
        type: 'in_app_feed',
        template: {
          markdown:
            '{{ batch.count }} events in {{ batch.key }}: {% for item in batch.items limit: 2 %}{{ item.data.n }} {% endfor %}',
        },
      },
    ],
  };
}

async function countRuns(inlet: TestInlet, status: string): Promise<number> {
  const rows = await inlet.inlet.database.db
    .selectFrom('workflow_runs')
    .select('id')
    .where('status', '=', status)
    .execute();
  return rows.length;
}

describeEachEngine('workflow batches', (engine) => {
  it('collapses 200 triggers into one message per recipient', async () => {
    const inlet = await startTestInlet(engine);
    const clock = controlClock(inlet);
    await putWorkflow(inlet, 'digest', digest());
    await identify(inlet, 'ada');
    await identify(inlet, 'bob');

    for (let start = 0; start < 200; start += 20) {
      const batch = Array.from({ length: 20 }, (_, offset) =>
        trigger(inlet, 'digest', {
          recipients: ['ada', 'bob'],
          data: { organization_id: 'org_1', n: start + offset },
        }),
      );
      await Promise.all(batch);
    }
    await waitFor(
      async () => (await countRuns(inlet, 'waiting')) === 400,
      '400 runs waiting in batches',
    );
    expect(
      await inlet.inlet.database.db.selectFrom('workflow_batches').select('id').execute(),
    ).toHaveLength(2);

    await clock.advance(10 * MINUTE);
    const messages = await waitFor(async () => {
      const page = await ok(inlet, 'GET', '/v1/messages?workflow=digest');
      return page.data.length === 2 ? page.data : undefined;
    }, 'two digest messages');

    expect(messages.map((message: any) => message.recipient_id).sort()).toEqual(['ada', 'bob']);
    for (const message of messages) {
      expect(message.status).toBe('delivered');
      expect(message.content.markdown).toMatch(/^200 events in org_1: \d+ \d+ $/);
    }
    expect(await countRuns(inlet, 'batched')).toBe(398);
    expect(await countRuns(inlet, 'completed')).toBe(2);

    const leader = await ok(inlet, 'GET', `/v1/workflow-runs/${messages[0].run_id}`);
    expect(leader.steps[0]).toMatchObject({
      ref: 'collect',
      status: 'completed',
      detail: { count: 200 },
    });
    const follower = await ok(
      inlet,
      'GET',
      `/v1/workflow-runs?status=batched&recipient=${leader.recipient_id}&limit=1`,
    );
    expect(follower.data[0].batched_into_run_id).toBe(leader.id);
  });

  it('keeps separate batches per key value', async () => {
    const inlet = await startTestInlet(engine);
    const clock = controlClock(inlet);
    await putWorkflow(inlet, 'digest', digest());
    await identify(inlet, 'ada');

    for (const [organization, n] of [
      ['org_a', 1],
      ['org_b', 2],
      ['org_a', 3],
    ] as const) {
      await trigger(inlet, 'digest', {
        recipients: ['ada'],
        data: { organization_id: organization, n },
      });
    }
    await waitFor(async () => (await countRuns(inlet, 'waiting')) === 3, 'three runs waiting');
    await clock.advance(10 * MINUTE);

    const messages = await waitFor(async () => {
      const page = await ok(inlet, 'GET', '/v1/messages?workflow=digest');
      return page.data.length === 2 ? page.data : undefined;
    }, 'two digest messages');
    const texts = messages.map((message: any) => message.content.markdown).sort();
    expect(texts).toEqual(['1 events in org_b: 2 ', '2 events in org_a: 1 3 ']);
  });

  it('closes early at max_items', async () => {
    const inlet = await startTestInlet(engine);
    controlClock(inlet);
    await putWorkflow(inlet, 'digest', digest({ maxItems: 3 }));
    await identify(inlet, 'ada');

    // Each run joins before the next trigger, so the batch fills in trigger order. The third
    // run fills it, and the batch closes without the clock moving.
    for (let n = 0; n < 2; n += 1) {
      await trigger(inlet, 'digest', {
        recipients: ['ada'],
        data: { organization_id: 'org_1', n },
      });
      await waitFor(
        async () => (await countRuns(inlet, 'waiting')) === n + 1,
        `run ${n} in the batch`,
      );
    }
    await trigger(inlet, 'digest', {
      recipients: ['ada'],
      data: { organization_id: 'org_1', n: 2 },
    });
    const [message] = await waitFor(async () => {
      const page = await ok(inlet, 'GET', '/v1/messages?workflow=digest');
      return page.data.length === 1 ? page.data : undefined;
    }, 'the full batch to deliver');
    expect(message.content.markdown).toBe('3 events in org_1: 0 1 ');

    await trigger(inlet, 'digest', {
      recipients: ['ada'],
      data: { organization_id: 'org_1', n: 3 },
    });
    await waitFor(async () => (await countRuns(inlet, 'waiting')) === 1, 'the fourth run waiting');
    const batches = await inlet.inlet.database.db
      .selectFrom('workflow_batches')
      .select(['status', 'item_count'])
      .orderBy('opened_at')
      .execute();
    expect(batches.map((batch) => batch.status).sort()).toEqual(['closed', 'open']);
  });

  it('leaves cancelled runs out of the batch', async () => {
    const inlet = await startTestInlet(engine);
    const clock = controlClock(inlet);
    await putWorkflow(inlet, 'digest', digest());
    await identify(inlet, 'ada');

    const first = await trigger(inlet, 'digest', {
      recipients: ['ada'],
      data: { organization_id: 'org_1', n: 1 },
      cancellation_key: 'first',
    });
    await waitForRun(inlet, first.workflow_run_ids[0]!, ['waiting']);
    const second = await trigger(inlet, 'digest', {
      recipients: ['ada'],
      data: { organization_id: 'org_1', n: 2 },
    });
    await waitForRun(inlet, second.workflow_run_ids[0]!, ['waiting']);

    const cancelled = await ok(inlet, 'POST', '/v1/workflows/digest/cancel', {
      cancellation_key: 'first',
    });
    expect(cancelled.cancelled_run_ids).toEqual(first.workflow_run_ids);
    await clock.advance(10 * MINUTE);

    const done = await waitForRun(inlet, second.workflow_run_ids[0]!, ['completed']);
    expect(done.messages[0].content.markdown).toBe('1 events in org_1: 2 ');
  });
});
