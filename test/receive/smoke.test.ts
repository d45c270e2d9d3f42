import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet } from '../support/inlet.js';
import { fixtureBytes, sdkSignatureHeader } from '../support/workos.js';

const SECRET = 'whsec_smoke_0FWAiVGkEfGBqqsJH4aNAG';

describeEachEngine('receive smoke', (engine) => {
  it('records an SDK-signed delivery once', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('directory', SECRET);
    const body = fixtureBytes('dsync.user.created');
    const header = await sdkSignatureHeader(body, SECRET);

    const first = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'WorkOS-Signature': header },
      body,
    });
    const second = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'WorkOS-Signature': header },
      body,
    });

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    const events = await inlet.api('GET', '/v1/sources/directory/environments/development/events');
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0].delivery_count).toBe(2);
    expect(events.body.data[0].event_type).toBe('dsync.user.created');
  });
});
