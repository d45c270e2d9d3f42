import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import YAML from 'yaml';
import { afterEach, expect, it } from 'vitest';
import { ApiClient } from '../../src/cli/client.js';
import { registerWorkflowCommands } from '../../src/cli/commands/workflows.js';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import { identify, ok, waitForRun } from './support.js';

const folders: string[] = [];

afterEach(() => {
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

function tempDir(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'inlet-workflows-'));
  folders.push(folder);
  return folder;
}

/**
 * Runs `inlet workflows <args>` in this process against the test server and returns the printed
 * lines. The commands are the real ones; only the output goes to an array instead of stdout.
 */
async function workflowsCli(inlet: TestInlet, args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const program = new Command('inlet').exitOverride();
  const client = () => new ApiClient({ url: inlet.url, apiKey: inlet.inlet.apiKey });
  registerWorkflowCommands(program, client, (line) => lines.push(line));
  await program.parseAsync(['workflows', ...args], { from: 'user' });
  return lines;
}

const ONBOARDING_YAML = `key: onboarding
name: Onboarding
categories: [product]
steps:
  - ref: welcome
    type: in_app_feed
    template:
      markdown: "Welcome, {{ recipient.name }}!"
  - ref: wait
    type: delay
    duration: 1d
  - ref: route
    type: branch
    branches:
      - name: pro
        conditions:
          - path: data.plan
            operator: equal_to
            value: pro
        steps:
          - ref: pro-tips
            type: in_app_feed
            template:
              body: Pro tips
`;

const DIGEST_JSON = {
  name: 'Digest',
  steps: [
    { ref: 'collect', type: 'batch', window: '1h', key_path: 'data.organization_id' },
    { ref: 'feed', type: 'in_app_feed', template: { markdown: '{{ batch.count }} updates' } },
  ],
};

describeEachEngine('workflows CLI', (engine) => {
  it('push and pull round trip', async () => {
    const inlet = await startTestInlet(engine);
    const source = tempDir();
    fs.writeFileSync(path.join(source, 'onboarding.yaml'), ONBOARDING_YAML);
    fs.writeFileSync(path.join(source, 'digest.json'), JSON.stringify(DIGEST_JSON));
    fs.writeFileSync(path.join(source, 'README.md'), 'not a workflow');

    const pushed = await workflowsCli(inlet, ['push', source]);
    expect(pushed).toEqual([
      'digest.json: valid (digest)',
      'onboarding.yaml: valid (onboarding)',
      'digest.json: saved digest as version 1',
      'onboarding.yaml: saved onboarding as version 1',
      'Pushed 2 workflow(s).',
    ]);

    const target = tempDir();
    const pulled = await workflowsCli(inlet, ['pull', target]);
    expect(pulled.at(-1)).toBe('Pulled 2 workflow(s).');
    expect(fs.readdirSync(target).sort()).toEqual(['digest.yaml', 'onboarding.yaml']);
    const onboarding = YAML.parse(fs.readFileSync(path.join(target, 'onboarding.yaml'), 'utf8'));
    expect(onboarding).toMatchObject({
      key: 'onboarding',
      name: 'Onboarding',
      active: true,
      categories: ['product'],
    });
    expect(onboarding.steps[0]).toEqual({
      ref: 'welcome',
      type: 'in_app_feed',
      channel: 'default',
      template: { markdown: 'Welcome, {{ recipient.name }}!' },
    });

    // Pushing the pulled files again stores the same definitions as new versions.
    const again = await workflowsCli(inlet, ['push', target]);
    expect(again).toContain('onboarding.yaml: saved onboarding as version 2');
    const stored = await ok(inlet, 'GET', '/v1/workflows/onboarding');
    expect(stored.steps).toEqual(onboarding.steps);

    const jsonTarget = tempDir();
    await workflowsCli(inlet, ['pull', jsonTarget, '--format', 'json']);
    const digest = JSON.parse(fs.readFileSync(path.join(jsonTarget, 'digest.json'), 'utf8'));
    expect(digest.steps[0]).toEqual({
      ref: 'collect',
      type: 'batch',
      window: '1h',
      key_path: 'data.organization_id',
      max_items: 1000,
    });

    const list = await workflowsCli(inlet, ['list', '--json']);
    expect(JSON.parse(list.join('\n')).map((workflow: any) => workflow.key)).toEqual([
      'digest',
      'onboarding',
    ]);
  });

  it('push saves nothing when a file is invalid', async () => {
    const inlet = await startTestInlet(engine);
    const source = tempDir();
    fs.writeFileSync(
      path.join(source, 'good.yaml'),
      'name: Good\nsteps:\n  - ref: feed\n    type: in_app_feed\n    template: { body: hi }\n',
    );
    fs.writeFileSync(
      path.join(source, 'bad.yml'),
      'name: Bad\nsteps:\n  - ref: mail\n    type: email\n    channel: smtp\n    template: { text_body: hi }\n',
    );
    fs.writeFileSync(path.join(source, 'broken.json'), '{"name": ');

    const lines: string[] = [];
    const program = new Command('inlet').exitOverride();
    registerWorkflowCommands(
      program,
      () => new ApiClient({ url: inlet.url, apiKey: inlet.inlet.apiKey }),
      (line) => lines.push(line),
    );
    await expect(
      program.parseAsync(['workflows', 'push', source], { from: 'user' }),
    ).rejects.toThrow('2 of 3 workflow files are invalid; nothing was saved.');

    expect(lines[0]).toBe('bad.yml: invalid: steps[0] (ref "mail").template.subject: Required');
    expect(lines[1]).toMatch(/^broken\.json: invalid: not valid JSON/);
    expect(lines[2]).toBe('good.yaml: valid (good)');
    expect((await ok(inlet, 'GET', '/v1/workflows')).data).toEqual([]);
  });

  it('trigger starts runs', async () => {
    const inlet = await startTestInlet(engine);
    const source = tempDir();
    fs.writeFileSync(path.join(source, 'onboarding.yaml'), ONBOARDING_YAML);
    await workflowsCli(inlet, ['push', source]);
    await identify(inlet, 'ada');

    const lines = await workflowsCli(inlet, [
      'trigger',
      'onboarding',
      '--recipients',
      'ada,ghost',
      '--data',
      '{"plan":"pro"}',
      '--json',
    ]);
    const result = JSON.parse(lines.join('\n'));
    expect(result.workflow_run_ids).toHaveLength(1);
    expect(result.skipped_recipients).toEqual([{ recipient: 'ghost', reason: 'user_not_found' }]);
    const run = await waitForRun(inlet, result.workflow_run_ids[0], ['waiting']);
    expect(run.messages[0].content.markdown).toBe('Welcome, User ada!');

    const shown = await workflowsCli(inlet, ['show', 'onboarding']);
    expect(YAML.parse(shown.join('\n')).name).toBe('Onboarding');
    await expect(
      workflowsCli(inlet, ['trigger', 'onboarding', '--recipients', 'ada', '--data', '{oops']),
    ).rejects.toThrow('--data is not valid JSON');
  });
});
