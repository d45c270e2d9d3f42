/**
 * The workflow engine: definitions, triggers, runs that advance through durable jobs, channel
 * configurations and messages. `getWorkflowEngine(inlet)` is the entry point.
 */
export { getWorkflowEngine, WorkflowEngine } from './engine.js';
export type { TriggerOptions, TriggerResult, SkippedRecipient } from './trigger.js';
export type { TriggerInput, RecipientInput } from './trigger-input.js';
export { MAX_RECIPIENTS } from './trigger-input.js';
export { JOB_KINDS } from './jobs.js';
export {
  formatIssues,
  parseWorkflowDefinition,
  type Step,
  type ValidationIssue,
  type WorkflowDefinition,
} from './definition.js';
export type { WorkflowView } from './workflow-store.js';
export type { ChannelView } from './channel-store.js';
export type { MessageDetail, MessageSummary, FeedPage } from './message-store.js';
export type { RunDetail, RunSummary } from './run-store.js';
