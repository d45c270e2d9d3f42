import { createHmac } from 'node:crypto';
import fs from 'node:fs';

export interface SignedDelivery {
  eventId: string;
  body: Buffer;
  /** Value of the WorkOS-Signature header. */
  signature: string;
}

/**
 * Builds WorkOS deliveries from one fixture file: each gets a new event id and a signature
 * computed the way WorkOS signs, `t=<unix ms>, v1=<hex HMAC-SHA256 of "<t>.<body>">`. The rest
 * of the body keeps the fixture's exact bytes, so every delivery has the same size.
 */
export class DeliveryFactory {
  private readonly prefix: Buffer;
  private readonly suffix: Buffer;
  private sequence = 0;

  constructor(
    fixtureFile: string,
    private readonly secret: string,
  ) {
    const text = fs.readFileSync(fixtureFile, 'utf8');
    const fixtureId = (JSON.parse(text) as { id?: unknown }).id;
    const marker = `"id": ${JSON.stringify(fixtureId)}`;
    const start = text.indexOf(marker);
    if (typeof fixtureId !== 'string' || start === -1) {
      throw new Error(
        `The fixture ${fixtureFile} has no top-level "id": "<event id>" member to replace.`,
      );
    }
    this.prefix = Buffer.from(text.slice(0, start) + '"id": "');
    this.suffix = Buffer.from('"' + text.slice(start + marker.length));
  }

  /** Bytes of one delivery body. */
  get bodyBytes(): number {
    return this.prefix.length + this.suffix.length + this.newEventId(0).length;
  }

  next(nowMs = Date.now()): SignedDelivery {
    this.sequence += 1;
    const eventId = this.newEventId(this.sequence);
    const body = Buffer.concat([this.prefix, Buffer.from(eventId), this.suffix]);
    const digest = createHmac('sha256', this.secret).update(`${nowMs}.`).update(body).digest('hex');
    return { eventId, body, signature: `t=${nowMs}, v1=${digest}` };
  }

  private newEventId(sequence: number): string {
    return `event_bench_${String(sequence).padStart(10, '0')}`;
  }
}
