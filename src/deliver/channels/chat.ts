import { assertSuccessfulResponse } from '../delivery-error.js';
import { postJson, type ChannelHttpOptions, type HttpResponse } from '../http-post.js';

export interface ChatSettings {
  /** Incoming-webhook URL. Slack and compatible services put the credential in its path. */
  url: string;
}

/** A Slack-compatible incoming-webhook payload. `text` is the fallback when blocks are shown. */
export interface ChatMessage {
  text: string;
  blocks?: unknown[];
}

/**
 * Posts `message` to the channel's incoming-webhook URL and returns the receiver's response.
 * Throws DeliveryError for blocked destinations, network failures and non-2xx statuses.
 */
export async function sendChat(
  settings: ChatSettings,
  message: ChatMessage,
  options: ChannelHttpOptions,
): Promise<HttpResponse> {
  // JSON.stringify drops `blocks` when it is undefined.
  const payload = { text: message.text, blocks: message.blocks };
  const response = await postJson(settings.url, payload, options);
  assertSuccessfulResponse(response);
  return response;
}
