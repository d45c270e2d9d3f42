import { describe, expect, it } from 'vitest';
import { renderTemplate, TemplateError, type TemplateScope } from '../../src/deliver/render.js';

function makeScope(): TemplateScope {
  return {
    recipient: { id: 'user_1', email: 'ada@example.com', name: 'Ada' },
    actor: { name: 'Grace' },
    data: {
      title: '<b>Launch</b> & more',
      items: ['one', 'two'],
      created_at: '2024-05-01T12:30:00Z',
    },
    tenant: { name: 'Acme' },
    workflow: { key: 'welcome' },
  };
}

function renderError(template: string, field?: string): TemplateError {
  try {
    renderTemplate(template, makeScope(), { field });
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error(`Expected "${template}" to fail`);
}

describe('renderTemplate', () => {
  it('renders variables from every scope key', () => {
    const output = renderTemplate(
      '{{ recipient.name }}|{{ actor.name }}|{{ tenant.name }}|{{ workflow.key }}|{{ data.items[1] }}',
      makeScope(),
    );
    expect(output).toBe('Ada|Grace|Acme|welcome|two');
  });

  it('renders batch when present', () => {
    const scope = { ...makeScope(), batch: { count: 3 } };
    expect(renderTemplate('{{ batch.count }} events', scope)).toBe('3 events');
  });

  it('renders missing variables as empty', () => {
    expect(renderTemplate('[{{ data.missing.deeper }}]', makeScope())).toBe('[]');
    expect(renderTemplate('[{{ batch.count }}]', makeScope())).toBe('[]');
  });

  it('applies standard filters', () => {
    const scope = makeScope();
    expect(renderTemplate('{{ recipient.name | upcase }}', scope)).toBe('ADA');
    expect(renderTemplate('{{ data.items | join: ", " }}', scope)).toBe('one, two');
    expect(renderTemplate('{{ data.nickname | default: "friend" }}', scope)).toBe('friend');
    expect(renderTemplate('{{ data.items | size }}', scope)).toBe('2');
  });

  it('formats dates in UTC', () => {
    const output = renderTemplate('{{ data.created_at | date: "%Y-%m-%d %H:%M" }}', makeScope());
    expect(output).toBe('2024-05-01 12:30');
  });

  it('leaves HTML unescaped in text mode', () => {
    expect(renderTemplate('{{ data.title }}', makeScope())).toBe('<b>Launch</b> & more');
  });

  it('escapes output in HTML mode', () => {
    const output = renderTemplate('<p>{{ data.title }}</p>', makeScope(), { escapeHtml: true });
    expect(output).toBe('<p>&lt;b&gt;Launch&lt;/b&gt; &amp; more</p>');
  });

  it('lets raw skip escaping in HTML mode', () => {
    const output = renderTemplate('{{ data.title | raw }}', makeScope(), { escapeHtml: true });
    expect(output).toBe('<b>Launch</b> & more');
  });

  it('keeps text and HTML parses apart', () => {
    const template = '{{ data.title }}';
    const html = renderTemplate(template, makeScope(), { escapeHtml: true });
    const text = renderTemplate(template, makeScope());
    expect(html).toBe('&lt;b&gt;Launch&lt;/b&gt; &amp; more');
    expect(text).toBe('<b>Launch</b> & more');
  });

  it('rejects an unknown filter', () => {
    const error = renderError('{{ data.title | shout }}', 'subject');
    expect(error.field).toBe('subject');
    expect(error.message).toContain('subject');
    expect(error.message).toContain('shout');
  });

  it('rejects unclosed output', () => {
    const error = renderError('Hello {{ recipient.name', 'text');
    expect(error.field).toBe('text');
    expect(error.message).toContain('not closed');
  });

  it('names a default field', () => {
    expect(renderError('{% if %}').field).toBe('template');
  });

  it('hides prototype members', () => {
    const scope = makeScope();
    expect(renderTemplate('[{{ data.constructor }}]', scope)).toBe('[]');
    expect(renderTemplate('[{{ data.constructor.name }}]', scope)).toBe('[]');
    expect(renderTemplate('[{{ data.__proto__ }}]', scope)).toBe('[]');
    expect(renderTemplate('[{{ data["constructor"] }}]', scope)).toBe('[]');
    expect(renderTemplate('[{{ data.items.constructor }}]', scope)).toBe('[]');
    expect(renderTemplate('[{{ recipient.hasOwnProperty }}]', scope)).toBe('[]');
  });

  it('ignores scope keys outside the contract', () => {
    const scope = { ...makeScope(), secret: 'hidden' } as TemplateScope;
    expect(renderTemplate('[{{ secret }}]', scope)).toBe('[]');
  });

  it('cannot include files', () => {
    const error = renderError('{% include "package.json" %}', 'html');
    expect(error.message).toContain('failed to render');
  });

  it('stops runaway memory use', () => {
    const template =
      '{% assign s = "xxxxxxxxxx" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s.size }}';
    const error = renderError(template, 'text');
    expect(error.message).toContain('limit exceeded');
  });

  it('rejects templates over the parse limit', () => {
    const error = renderError('x'.repeat(100_001), 'html');
    expect(error.message).toContain('invalid Liquid');
  });

  it('renders a cached template again', () => {
    const template = 'Hi {{ recipient.name }}';
    expect(renderTemplate(template, makeScope())).toBe('Hi Ada');
    const other = { ...makeScope(), recipient: { name: 'Linus' } };
    expect(renderTemplate(template, other)).toBe('Hi Linus');
  });
});
