import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet } from '../support/inlet.js';
import { identify, ok, putWorkflow, trigger, waitForRun } from './support.js';

describeEachEngine('workflow feed', (engine) => {
  it('delivers an in-app message', async () => {
    const inlet = await startTestInlet(engine);
    await putWorkflow(inlet, 'welcome', {
      name: 'Welcome',
      steps: [
        {
          ref: 'feed',
          type: 'in_app_feed',
          template: { markdown: 'Hello {{ recipient.name }}, {{ data.plan }}' },
        },
      ],
    });
    await identify(inlet, 'ada');

    const { workflow_run_ids } = await trigger(inlet, 'welcome', {
      recipients: ['ada'],
      data: { plan: 'pro' },
    });
    const run = await waitForRun(inlet, workflow_run_ids[0]!, ['completed']);

    expect(run.messages).toHaveLength(1);
    expect(run.messages[0].status).toBe('delivered');
    expect(run.messages[0].content.markdown).toBe('Hello User ada, pro');
    const feed = await ok(inlet, 'GET', '/v1/users/ada/feeds/default');
    expect(feed.data).toHaveLength(1);
    expect(feed.unread_count).toBe(1);
  });
});
