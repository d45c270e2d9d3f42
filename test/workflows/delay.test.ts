import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { restartTestInlet, startTestInlet } from '../support/inlet.js';
import {
  controlClock,
  identify,
  ok,
  putWorkflow,
  request,
  trigger,
  waitForRun,
} from './support.js';

const HOUR = 60 * 60 * 1000;

const REMINDER = {
  name: 'Reminder',
  steps: [
    { ref: 'wait', type: 'delay', duration: '1h' },
    {
      ref: 'feed',
      type: 'in_app_feed',
      template: { markdown: 'Reminder for {{ recipient.name }}' },
    },
  ],
};

describeEachEngine('workflow delays', (engine) => {
  it('waits for the engine clock', async () => {
    const inlet = await startTestInlet(engine);
    const clock = controlClock(inlet);
    await putWorkflow(inlet, 'reminder', REMINDER);
    await identify(inlet, 'ada');

    const { workflow_run_ids } = await trigger(inlet, 'reminder', { recipients: ['ada'] });
    const runId = workflow_run_ids[0]!;
    const waiting = await waitForRun(inlet, runId, ['waiting']);

    expect(waiting.waiting_until).toBe(new Date(clock.now().getTime() + HOUR).toISOString());
    expect(waiting.steps).toEqual([
      expect.objectContaining({ ref: 'wait', status: 'waiting', finished_at: null }),
    ]);
    expect(waiting.messages).toEqual([]);

    await clock.advance(HOUR - 1000);
    expect((await ok(inlet, 'GET', `/v1/workflow-runs/${runId}`)).status).toBe('waiting');

    await clock.advance(1000);
    const done = await waitForRun(inlet, runId, ['completed']);
    expect(done.steps.map((step: any) => [step.ref, step.status])).toEqual([
      ['wait', 'completed'],
      ['feed', 'completed'],
    ]);
    expect(done.messages).toHaveLength(1);
    expect(done.messages[0].content.markdown).toBe('Reminder for User ada');
  });

  it('resumes after a restart', async () => {
    const first = await startTestInlet(engine);
    const start = Date.now();
    controlClock(first, start);
    await putWorkflow(first, 'reminder', REMINDER);
    await identify(first, 'ada');
    const { workflow_run_ids } = await trigger(first, 'reminder', { recipients: ['ada'] });
    const runId = workflow_run_ids[0]!;
    await waitForRun(first, runId, ['waiting']);

    const second = await restartTestInlet(first);
    expect((await ok(second, 'GET', `/v1/workflow-runs/${runId}`)).status).toBe('waiting');
    const clock = controlClock(second, start);
    await clock.advance(HOUR);

    const done = await waitForRun(second, runId, ['completed']);
    expect(done.messages).toHaveLength(1);
    expect(done.messages[0].status).toBe('delivered');
  });

  it('cancels a delayed run', async () => {
    const inlet = await startTestInlet(engine);
    const clock = controlClock(inlet);
    await putWorkflow(inlet, 'reminder', REMINDER);
    await identify(inlet, 'ada');
    await identify(inlet, 'bob');

    const { workflow_run_ids } = await trigger(inlet, 'reminder', {
      recipients: ['ada', 'bob'],
      cancellation_key: 'order-1',
    });
    const [adaRun, bobRun] = workflow_run_ids as [string, string];
    await waitForRun(inlet, adaRun, ['waiting']);
    await waitForRun(inlet, bobRun, ['waiting']);

    const cancelled = await ok(inlet, 'POST', '/v1/workflows/reminder/cancel', {
      cancellation_key: 'order-1',
      recipients: ['ada'],
    });
    expect(cancelled.cancelled_run_ids).toEqual([adaRun]);
    const again = await ok(inlet, 'POST', '/v1/workflows/reminder/cancel', {
      cancellation_key: 'order-1',
      recipients: ['ada'],
    });
    expect(again.cancelled_run_ids).toEqual([]);

    await clock.advance(HOUR);
    const ada = await waitForRun(inlet, adaRun, ['cancelled']);
    const bob = await waitForRun(inlet, bobRun, ['completed']);
    expect(ada.messages).toEqual([]);
    expect(ada.steps[0].status).toBe('cancelled');
    expect(bob.messages).toHaveLength(1);

    const otherKey = await ok(inlet, 'POST', '/v1/workflows/reminder/cancel', {
      cancellation_key: 'order-2',
    });
    expect(otherKey.cancelled_run_ids).toEqual([]);
    const invalid = await request(inlet, 'POST', '/v1/workflows/reminder/cancel', {
      recipients: ['ada'],
    });
    expect(invalid.status).toBe(400);
  });

  it('waits until a time in the data', async () => {
    const inlet = await startTestInlet(engine);
    const clock = controlClock(inlet);
    await putWorkflow(inlet, 'trial-end', {
      name: 'Trial end',
      steps: [
        { ref: 'wait', type: 'delay', until_path: 'data.trial_ends_at' },
        { ref: 'feed', type: 'in_app_feed', template: { body: 'Your trial ended' } },
      ],
    });
    await identify(inlet, 'ada');
    const endsAt = new Date(clock.now().getTime() + 3 * HOUR).toISOString();

    const timed = await trigger(inlet, 'trial-end', {
      recipients: ['ada'],
      data: { trial_ends_at: endsAt },
    });
    const missing = await trigger(inlet, 'trial-end', { recipients: ['ada'], data: {} });

    const waiting = await waitForRun(inlet, timed.workflow_run_ids[0]!, ['waiting']);
    expect(waiting.waiting_until).toBe(endsAt);
    const skipped = await waitForRun(inlet, missing.workflow_run_ids[0]!, ['completed']);
    expect(skipped.steps[0].status).toBe('skipped');
    expect(skipped.steps[0].detail.reason).toContain('until_path "data.trial_ends_at" is missing');

    await clock.advance(3 * HOUR);
    await waitForRun(inlet, timed.workflow_run_ids[0]!, ['completed']);
  });

  it('finishes with the version it started', async () => {
    const inlet = await startTestInlet(engine);
    const clock = controlClock(inlet);
    await putWorkflow(inlet, 'reminder', REMINDER);
    await identify(inlet, 'ada');
    const { workflow_run_ids } = await trigger(inlet, 'reminder', { recipients: ['ada'] });
    await waitForRun(inlet, workflow_run_ids[0]!, ['waiting']);

    await putWorkflow(inlet, 'reminder', {
      name: 'Reminder v2',
      steps: [{ ref: 'other', type: 'in_app_feed', template: { body: 'v2' } }],
    });
    await clock.advance(HOUR);

    const done = await waitForRun(inlet, workflow_run_ids[0]!, ['completed']);
    expect(done.workflow_version).toBe(1);
    expect(done.messages.map((message: any) => message.step_ref)).toEqual(['feed']);
  });

  it('fails when the recipient was deleted', async () => {
    const inlet = await startTestInlet(engine);
    const clock = controlClock(inlet);
    await putWorkflow(inlet, 'reminder', REMINDER);
    await identify(inlet, 'ada');
    const { workflow_run_ids } = await trigger(inlet, 'reminder', { recipients: ['ada'] });
    await waitForRun(inlet, workflow_run_ids[0]!, ['waiting']);

    expect((await request(inlet, 'DELETE', '/v1/users/ada')).status).toBe(204);
    await clock.advance(HOUR);

    const run = await waitForRun(inlet, workflow_run_ids[0]!, ['failed']);
    expect(run.error.code).toBe('recipient_not_found');
    expect(run.messages).toEqual([]);
  });
});
