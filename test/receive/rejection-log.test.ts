import { afterEach, expect, it, vi } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import { buildDelivery, postDelivery, waitFor } from './deliveries.js';

const SECRET = 'whsec_rejections_Me2Nf4Og6Ph8Qi0Rj2S';
const FORGER_SECRET = 'whsec_forger_Ab1Cd3Ef5Gh7Ij9Kl1Mn3';
const PER_MINUTE = 5;
const FLOOD = 50;

interface RejectionRow {
  id: string;
  reason_code: string;
  suppressed_before: number;
}

async function rejections(inlet: TestInlet, environment = 'development'): Promise<RejectionRow[]> {
  const page = await inlet.api(
    'GET',
    `/v1/sources/directory/environments/${environment}/rejections?limit=200`,
  );
  return page.body.data;
}

async function sendForged(url: string, count: number): Promise<number[]> {
  const delivery = await buildDelivery({ secret: FORGER_SECRET });
  const answers = await Promise.all(
    Array.from({ length: count }, () => postDelivery(url, delivery)),
  );
  return answers.map((answer) => answer.status);
}

afterEach(() => {
  vi.useRealTimers();
});

describeEachEngine('rejection log', (engine) => {
  it('records at most the per-minute budget of a flood', async () => {
    const inlet = await startTestInlet(engine, {
      INLET_REJECTION_LOG_PER_MINUTE: String(PER_MINUTE),
    });
    const url = await inlet.createWorkosSource('directory', SECRET);

    const statuses = await sendForged(url, FLOOD);

    expect(statuses).toEqual(Array(FLOOD).fill(401));
    const rows = await waitFor('the budgeted rejection records', async () => {
      const found = await rejections(inlet);
      return found.length >= PER_MINUTE ? found : undefined;
    });
    // The bucket refills continuously, so a slow run may earn one extra token.
    expect(rows.length).toBeGreaterThanOrEqual(PER_MINUTE);
    expect(rows.length).toBeLessThanOrEqual(PER_MINUTE + 1);
    for (const row of rows) expect(row.reason_code).toBe('signature_mismatch');
  });

  it('counts suppressed rejections on the next record', async () => {
    const inlet = await startTestInlet(engine, {
      INLET_REJECTION_LOG_PER_MINUTE: String(PER_MINUTE),
    });
    const url = await inlet.createWorkosSource('directory', SECRET);
    await sendForged(url, FLOOD);

    // A minute later the bucket is full again; only Date is mocked, timers stay real.
    vi.setSystemTime(Date.now() + 61_000);
    const [status] = await sendForged(url, 1);
    vi.useRealTimers();

    expect(status).toBe(401);
    const rows = await waitFor('the record that counts the suppressed rejections', async () => {
      const found = await rejections(inlet);
      const counting = found.find((row) => row.suppressed_before > 0);
      if (counting === undefined) return undefined;
      // Every rejection of the flood is either a row or counted on the later row.
      return found.length - 1 + counting.suppressed_before === FLOOD ? found : undefined;
    });
    const [latest, ...flood] = rows;
    expect(flood.length).toBeLessThanOrEqual(PER_MINUTE + 1);
    expect(latest!.suppressed_before).toBe(FLOOD - flood.length);
    for (const row of flood) expect(row.suppressed_before).toBe(0);
  });

  it('keeps a separate budget per environment', async () => {
    const inlet = await startTestInlet(engine, {
      INLET_REJECTION_LOG_PER_MINUTE: String(PER_MINUTE),
    });
    const developmentUrl = await inlet.createWorkosSource('directory', SECRET, 'development');
    const productionUrl = await inlet.createWorkosSource('directory', SECRET, 'production');
    await sendForged(developmentUrl, FLOOD);

    await sendForged(productionUrl, 1);

    const production = await waitFor('the production rejection record', async () => {
      const found = await rejections(inlet, 'production');
      return found.length > 0 ? found : undefined;
    });
    expect(production).toHaveLength(1);
    expect(production[0]!.suppressed_before).toBe(0);
  });

  it('records nothing with a budget of zero', async () => {
    const inlet = await startTestInlet(engine, { INLET_REJECTION_LOG_PER_MINUTE: '0' });
    const url = await inlet.createWorkosSource('directory', SECRET);

    const statuses = await sendForged(url, 10);
    // A valid delivery after the forged ones: once it is recorded, the earlier rejections
    // had their turn at the database.
    const valid = await postDelivery(url, await buildDelivery({ secret: SECRET }));

    expect(statuses).toEqual(Array(10).fill(401));
    expect(valid.status).toBe(200);
    expect(await rejections(inlet)).toEqual([]);
  });
});
