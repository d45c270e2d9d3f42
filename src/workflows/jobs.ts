/** Job kinds of the workflow engine, as stored in the `jobs` table. */
export const JOB_KINDS = {
  /** Advances a run from its cursor until it finishes or waits. Payload: StepJobPayload. */
  step: 'workflow.step',
  /** Sends one queued message through its channel. Payload: `{messageId}`. */
  deliver: 'workflow.deliver',
  /** Closes a batch window and lets one run continue with every item. Payload: `{batchId}`. */
  closeBatch: 'workflow.batch.close',
} as const;

export interface StepJobPayload {
  runId: string;
  /** Set on the job that ends a delay; the run resumes only when it still waits for this job. */
  resume?: 'delay';
}

export interface DeliverJobPayload {
  messageId: string;
}

export interface CloseBatchJobPayload {
  batchId: string;
}
