// The hand-written baseline: what a team might write in an afternoon. A node:http route verifies
// each delivery with the WorkOS SDK's `webhooks.constructEvent` and inserts one row into SQLite
// with better-sqlite3, using the same WAL and synchronous=NORMAL settings as Inlet.
// Reads PORT, BENCH_SECRET and BENCH_DATABASE from the environment.
import http from 'node:http';
import { WorkOS } from '@workos-inc/node';
import SqliteDatabase from 'better-sqlite3';

const secret = requireEnv('BENCH_SECRET');
const database = new SqliteDatabase(requireEnv('BENCH_DATABASE'));
database.pragma('journal_mode = WAL');
database.pragma('synchronous = NORMAL');
database.exec(`
  CREATE TABLE IF NOT EXISTS webhook_events (
    id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL
  )`);
const insertEvent = database.prepare(
  'INSERT INTO webhook_events (id, event, body, received_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
);
// Verification needs no API call, so a placeholder API key is enough.
const workos = new WorkOS('sk_test_placeholder');

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    void handleDelivery(
      Buffer.concat(chunks).toString('utf8'),
      request.headers['workos-signature'],
    ).then((status) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(status === 200 ? '{"ok":true}' : '{"ok":false}');
    });
  });
});

async function handleDelivery(
  body: string,
  signature: string | string[] | undefined,
): Promise<number> {
  if (typeof signature !== 'string') return 401;
  let event: { id: string; event: string };
  try {
    event = await workos.webhooks.constructEvent({ payload: body, sigHeader: signature, secret });
  } catch {
    return 401;
  }
  insertEvent.run(event.id, event.event, body, new Date().toISOString());
  return 200;
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Set ${name} for the baseline server.`);
  return value;
}

server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () =>
  server.close(() => {
    database.close();
    process.exit(0);
  }),
);
