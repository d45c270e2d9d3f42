import { createServer, type AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  closeTransports,
  sendEmail,
  type EmailMessage,
  type SmtpSettings,
} from '../../src/deliver/channels/email.js';
import { DeliveryError } from '../../src/deliver/delivery-error.js';

const USERNAME = 'inlet';
const PASSWORD = 'correct horse';

interface TestSmtpServer {
  server: SMTPServer;
  port: number;
  received: ParsedMail[];
}

/**
 * Starts an SMTP server on 127.0.0.1 that requires AUTH PLAIN or LOGIN. Recipients whose local
 * part starts with `bounce` get 550 and those starting with `busy` get 451.
 */
async function startSmtpServer(options: SMTPServerOptions = {}): Promise<TestSmtpServer> {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === USERNAME && auth.password === PASSWORD) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      }
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('bounce')) {
        callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      } else if (address.address.startsWith('busy')) {
        callback(Object.assign(new Error('Mailbox busy, try later'), { responseCode: 451 }));
      } else {
        callback();
      }
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
    ...options,
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { server, port, received };
}

function stopSmtpServer(smtp: TestSmtpServer): Promise<void> {
  return new Promise((resolve) => smtp.server.close(resolve));
}

async function findClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function makeSettings(port: number, overrides: Partial<SmtpSettings> = {}): SmtpSettings {
  return {
    host: '127.0.0.1',
    port,
    secure: false,
    require_tls: false,
    username: USERNAME,
    password: PASSWORD,
    from: '"Inlet Alerts" <alerts@inlet.test>',
    reply_to: 'support@inlet.test',
    ...overrides,
  };
}

function makeMessage(overrides: Partial<EmailMessage> = {}): EmailMessage {
  return {
    to: 'ada@inlet.test',
    subject: 'Your report is ready',
    html: '<p>Hello <b>Ada</b></p>',
    text: 'Hello Ada',
    ...overrides,
  };
}

async function sendExpectingError(
  settings: SmtpSettings,
  message: EmailMessage,
): Promise<DeliveryError> {
  const error = await sendEmail(settings, message).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('sendEmail', () => {
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
  });

  afterEach(() => {
    closeTransports();
  });

  afterAll(async () => {
    await stopSmtpServer(smtp);
  });

  it('delivers a message with auth', async () => {
    const result = await sendEmail(makeSettings(smtp.port), makeMessage());

    expect(result.accepted).toEqual(['ada@inlet.test']);
    expect(result.rejected).toEqual([]);
    expect(result.message_id).toMatch(/^<.+@.+>$/);
    expect(result.response).toMatch(/^250/);

    const mail = smtp.received.at(-1);
    expect(mail?.subject).toBe('Your report is ready');
    expect(mail?.text?.trim()).toBe('Hello Ada');
    expect(mail?.html).toContain('<p>Hello <b>Ada</b></p>');
    expect(mail?.from?.value).toEqual([{ address: 'alerts@inlet.test', name: 'Inlet Alerts' }]);
    expect(mail?.replyTo?.value[0]?.address).toBe('support@inlet.test');
    expect(mail?.messageId).toBe(result.message_id);
    const to = Array.isArray(mail?.to) ? mail?.to[0] : mail?.to;
    expect(to?.value[0]?.address).toBe('ada@inlet.test');
  });

  it('reuses the transport for equal settings', async () => {
    const before = smtp.received.length;
    await sendEmail(makeSettings(smtp.port), makeMessage({ subject: 'first' }));
    await sendEmail(makeSettings(smtp.port), makeMessage({ subject: 'second' }));
    expect(smtp.received.slice(before).map((mail) => mail.subject)).toEqual(['first', 'second']);
  });

  it('reports partly rejected recipients', async () => {
    const result = await sendEmail(
      makeSettings(smtp.port),
      makeMessage({ to: ['ada@inlet.test', 'bounce@inlet.test'] }),
    );
    expect(result.accepted).toEqual(['ada@inlet.test']);
    expect(result.rejected).toEqual(['bounce@inlet.test']);
  });

  it('treats 550 for the recipient as permanent', async () => {
    const error = await sendExpectingError(
      makeSettings(smtp.port),
      makeMessage({ to: 'bounce@inlet.test' }),
    );
    expect(error.code).toBe('smtp_permanent');
    expect(error.retryable).toBe(false);
    expect(error.response).toMatchObject({ response_code: 550, command: 'RCPT TO' });
  });

  it('treats 451 for the recipient as transient', async () => {
    const error = await sendExpectingError(
      makeSettings(smtp.port),
      makeMessage({ to: 'busy@inlet.test' }),
    );
    expect(error.code).toBe('smtp_transient');
    expect(error.retryable).toBe(true);
  });

  it('treats a wrong password as permanent', async () => {
    const error = await sendExpectingError(
      makeSettings(smtp.port, { password: 'wrong' }),
      makeMessage(),
    );
    expect(error.code).toBe('smtp_permanent');
    expect(error.retryable).toBe(false);
    expect(error.message).not.toContain('wrong');
  });

  it('treats a missing recipient as an invalid address', async () => {
    const error = await sendExpectingError(makeSettings(smtp.port), makeMessage({ to: '' }));
    expect(error.code).toBe('invalid_address');
    expect(error.retryable).toBe(false);
  });

  it('retries a refused connection', async () => {
    const port = await findClosedPort();
    const error = await sendExpectingError(makeSettings(port), makeMessage());
    expect(error.code).toBe('network_error');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });
});

describe('sendEmail with STARTTLS', () => {
  let smtp: TestSmtpServer;

  // smtp-server presents its built-in self-signed certificate.
  beforeAll(async () => {
    smtp = await startSmtpServer({ disabledCommands: [] });
  });

  afterEach(() => {
    closeTransports();
  });

  afterAll(async () => {
    await stopSmtpServer(smtp);
  });

  it('sends when certificate checks are off', async () => {
    const settings = makeSettings(smtp.port, { require_tls: true, tls_reject_unauthorized: false });
    const result = await sendEmail(settings, makeMessage({ subject: 'over TLS' }));
    expect(result.accepted).toEqual(['ada@inlet.test']);
    expect(smtp.received.at(-1)?.subject).toBe('over TLS');
  });

  it('rejects an untrusted certificate by default', async () => {
    const before = smtp.received.length;
    const error = await sendExpectingError(
      makeSettings(smtp.port, { require_tls: true }),
      makeMessage(),
    );
    expect(error.code).toBe('network_error');
    expect(error.message).toMatch(/certificate/i);
    expect(smtp.received.length).toBe(before);
  });
});
