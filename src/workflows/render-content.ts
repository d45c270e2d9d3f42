import { renderTemplate, type TemplateScope } from '../deliver/render.js';
import type { ChannelStep } from './definition.js';

export interface FeedContent {
  markdown?: string;
  body?: string;
  action_url?: string;
}

export interface EmailContent {
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface ChatContent {
  text: string;
}

export interface WebhookContent {
  body: Record<string, unknown>;
}

export type MessageContent = FeedContent | EmailContent | ChatContent | WebhookContent;

/**
 * Renders a channel step's templates. HTML bodies escape their output and everything else renders
 * as text. `to` is the recipient's email address, for email steps. Throws TemplateError naming the
 * field that failed.
 */
export function renderContent(
  step: ChannelStep,
  scope: TemplateScope,
  to: string | null,
): MessageContent {
  switch (step.type) {
    case 'in_app_feed': {
      const content: FeedContent = {};
      if (step.template.markdown !== undefined)
        content.markdown = render(step.template.markdown, scope, 'markdown');
      if (step.template.body !== undefined)
        content.body = render(step.template.body, scope, 'body');
      if (step.template.action_url !== undefined)
        content.action_url = render(step.template.action_url, scope, 'action_url');
      return content;
    }
    case 'email':
      return {
        to: to ?? '',
        subject: render(step.template.subject, scope, 'subject'),
        html:
          step.template.html_body === undefined
            ? ''
            : renderTemplate(step.template.html_body, scope, {
                escapeHtml: true,
                field: 'html_body',
              }),
        text:
          step.template.text_body === undefined
            ? ''
            : render(step.template.text_body, scope, 'text_body'),
      };
    case 'chat':
      return { text: render(step.template.text, scope, 'text') };
    case 'webhook':
      return { body: renderJson(step.template.body, scope, 'body') as Record<string, unknown> };
  }
}

function render(template: string, scope: TemplateScope, field: string): string {
  return renderTemplate(template, scope, { field });
}

/** Renders every string inside a JSON value; keys and other values stay as they are. */
function renderJson(value: unknown, scope: TemplateScope, field: string): unknown {
  if (typeof value === 'string') return render(value, scope, field);
  if (Array.isArray(value))
    return value.map((item, index) => renderJson(item, scope, `${field}[${index}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renderJson(item, scope, `${field}.${key}`)]),
    );
  }
  return value;
}
