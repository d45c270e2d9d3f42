import { expect, it } from 'vitest';
import { startInlet } from '../../src/start.js';
import { ENGINES } from '../support/engines.js';
import { deliver, waitForProcessing } from '../support/deliveries.js';
import { startTestInlet } from '../support/inlet.js';
import { fixtureBytes } from '../support/workos.js';

const SECRET = 'whsec_shared_database_Wc4NkR7vQm2';

/** Delivery bodies for `count` new directory users, each a new event id. */
function users(count: number): string[] {
  const fixture = JSON.parse(fixtureBytes('dsync.user.created').toString('utf8'));
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({
      ...fixture,
      id: `event_01JP27SM84YXEK1SK9X${String(index).padStart(7, '0')}`,
      data: { ...fixture.data, id: `directory_user_shared_${index}` },
    }),
  );
}

it.runIf(ENGINES.includes('postgres'))('two processes share one PostgreSQL database', async () => {
  const first = await startTestInlet('postgres');
  const second = await startInlet(first.storage.config);
  try {
    const url = await first.createWorkosSource('workos', SECRET);
    const path = new URL(url).pathname;

    // Every delivery goes to both servers; each event must be recorded and processed once.
    const answers = await Promise.all(
      users(60).flatMap((body) => [
        deliver(url, body, SECRET),
        deliver(second.url + path, body, SECRET),
      ]),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(answers.filter((answer) => !answer.body.duplicate)).toHaveLength(60);

    const events = await waitForProcessing(first, 'workos');
    expect(events).toHaveLength(60);
    expect(
      events.every((event: any) => event.status === 'processed' && event.delivery_count === 2),
    ).toBe(true);
    const logs = await first.inlet.database.db
      .selectFrom('action_logs')
      .select(['event_id', 'action_type'])
      .where('action_type', '=', 'users_identify')
      .execute();
    expect(logs).toHaveLength(60);
    expect(new Set(logs.map((log) => log.event_id)).size).toBe(60);
    const page = await first.api('GET', '/v1/users?limit=100');
    expect(page.body.data).toHaveLength(60);
  } finally {
    await second.stop();
  }
});
