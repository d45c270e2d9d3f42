import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { DeliveryError } from '../delivery-error.js';

/** SMTP server settings of an email channel. */
export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS from the first byte, usually port 465. */
  secure: boolean;
  /** Fail unless the server upgrades the connection with STARTTLS, usually port 587. */
  require_tls: boolean;
  username?: string;
  password?: string;
  /** Sender address, `address@example.com` or `"Name" <address@example.com>`. */
  from: string;
  reply_to?: string;
  /** Verify the server certificate. Defaults to true. */
  tls_reject_unauthorized?: boolean;
}

export interface EmailMessage {
  to: string | string[];
  subject: string;
  html: string;
  text: string;
}

/** The SMTP server's reply to an accepted message. */
export interface EmailResult {
  message_id: string;
  response: string;
  accepted: string[];
  rejected: string[];
}

/** The SMTP server's reply to a failed message, kept on the DeliveryError. */
export interface SmtpReply {
  response?: string;
  response_code?: number;
  command?: string;
  rejected?: string[];
}

type PooledTransporter = Transporter<SMTPPool.SentMessageInfo>;

const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 60_000;
/** Maximum number of cached SMTP pools. Beyond it, the least recently used pool is closed. */
const MAX_CACHED_TRANSPORTS = 50;

const transports = new Map<string, PooledTransporter>();

/**
 * Sends one message over SMTP and returns the server's reply. Transports are pooled and
 * cached per distinct connection settings until closeTransports() is called.
 *
 * Throws DeliveryError: `smtp_transient` (retryable) for 4xx replies, `smtp_permanent` for 5xx
 * replies and rejected configuration, `invalid_address` when nodemailer rejects an address
 * before sending, and `network_error` or `timeout` (retryable) for connection failures.
 * When only some recipients are rejected the send succeeds and `rejected` lists them.
 */
export async function sendEmail(
  settings: SmtpSettings,
  message: EmailMessage,
): Promise<EmailResult> {
  const transport = transportFor(settings);
  const mail: Mail.Options = {
    from: settings.from,
    replyTo: settings.reply_to,
    to: message.to,
    subject: message.subject,
    html: message.html,
    text: message.text,
  };

  let info: SMTPPool.SentMessageInfo;
  try {
    info = await transport.sendMail(mail);
  } catch (error) {
    throw classifySmtpError(error as SMTPConnection.SMTPError, settings);
  }

  return {
    message_id: info.messageId,
    response: info.response,
    accepted: info.accepted.map(formatAddress),
    rejected: info.rejected.map(formatAddress),
  };
}

/** Closes every cached SMTP pool. Call it on shutdown and between test files. */
export function closeTransports(): void {
  for (const transport of transports.values()) {
    transport.close();
  }
  transports.clear();
}

function transportFor(settings: SmtpSettings): PooledTransporter {
  const key = settingsKey(settings);
  const cached = transports.get(key);
  if (cached !== undefined) {
    // Re-insert so Map order stays least recently used first.
    transports.delete(key);
    transports.set(key, cached);
    return cached;
  }

  const transport = nodemailer.createTransport({
    pool: true,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    requireTLS: settings.require_tls,
    auth:
      settings.username === undefined
        ? undefined
        : { user: settings.username, pass: settings.password ?? '' },
    tls: { rejectUnauthorized: settings.tls_reject_unauthorized ?? true },
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  transports.set(key, transport);
  evictLeastRecentlyUsed();
  return transport;
}

function evictLeastRecentlyUsed(): void {
  while (transports.size > MAX_CACHED_TRANSPORTS) {
    const [oldestKey, oldest] = transports.entries().next().value as [string, PooledTransporter];
    transports.delete(oldestKey);
    oldest.close();
  }
}

/** Hashes the connection fields, so the cache key does not contain the password. */
function settingsKey(settings: SmtpSettings): string {
  const fields = [
    settings.host,
    settings.port,
    settings.secure,
    settings.require_tls,
    settings.username ?? null,
    settings.password ?? null,
    settings.tls_reject_unauthorized ?? true,
  ];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/**
 * Maps a nodemailer error to a DeliveryError. SMTP reply codes decide first (RFC 5321
 * section 4.2.1): 4xx is transient and 5xx is permanent. Without a reply, the nodemailer
 * error code decides, and unknown codes are retryable so the retry budget bounds them.
 */
function classifySmtpError(error: SMTPConnection.SMTPError, settings: SmtpSettings): DeliveryError {
  const server = `${settings.host}:${settings.port}`;
  const options = { cause: error, response: smtpReply(error) };
  const responseCode = error.responseCode;

  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) {
    return new DeliveryError(
      'smtp_transient',
      `SMTP server ${server} deferred the message: ${error.message}`,
      { ...options, retryable: true },
    );
  }
  if (responseCode !== undefined && responseCode >= 500) {
    return new DeliveryError(
      'smtp_permanent',
      `SMTP server ${server} rejected the message: ${error.message}`,
      { ...options, retryable: false },
    );
  }

  switch (error.code) {
    case 'EENVELOPE':
      return new DeliveryError(
        'invalid_address',
        `The message has an invalid sender or recipient: ${error.message}`,
        { ...options, retryable: false },
      );
    case 'ETIMEDOUT':
      return new DeliveryError('timeout', `SMTP server ${server} timed out: ${error.message}`, {
        ...options,
        retryable: true,
      });
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
    case 'ETLS':
      return new DeliveryError(
        'network_error',
        `Connecting to SMTP server ${server} failed: ${error.message}`,
        { ...options, retryable: true },
      );
    case 'EAUTH':
    case 'EREQUIRETLS':
    case 'EMESSAGE':
      return new DeliveryError(
        'smtp_permanent',
        `SMTP delivery through ${server} failed: ${error.message}. Check the channel settings and the message.`,
        { ...options, retryable: false },
      );
    default:
      return new DeliveryError(
        'smtp_transient',
        `SMTP delivery through ${server} failed: ${error.message}`,
        { ...options, retryable: true },
      );
  }
}

function smtpReply(error: SMTPConnection.SMTPError): SmtpReply {
  const rejected = (error as { rejected?: unknown }).rejected;
  return {
    response: error.response,
    response_code: error.responseCode,
    command: error.command,
    rejected: Array.isArray(rejected) ? rejected.map(String) : undefined,
  };
}

function formatAddress(address: string | Mail.Address): string {
  return typeof address === 'string' ? address : address.address;
}
