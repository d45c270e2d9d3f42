import { Fragment, type ReactNode } from 'react';
import { JsonView } from '../components/ui';
import { STEP_TYPE_LABELS, type WorkflowCondition, type WorkflowStep } from './workflow-types';

/** Renders the steps of a workflow in execution order, with branches nested under their step. */
export function StepList(props: { steps: WorkflowStep[]; label?: string }) {
  return (
    <ol className="steps workflow-steps" aria-label={props.label}>
      {props.steps.map((step) => (
        <li key={step.ref}>
          <StepItem step={step} />
        </li>
      ))}
    </ol>
  );
}

function StepItem(props: { step: WorkflowStep }) {
  const { step } = props;
  const facts = stepFacts(step);
  return (
    <div className="workflow-step">
      <div className="step-head">
        <span className={`badge step-type step-${step.type}`}>
          {STEP_TYPE_LABELS[step.type] ?? step.type}
        </span>
        <code>{step.ref}</code>
        {step.name ? <span>{step.name}</span> : null}
      </div>
      {step.description ? <p className="muted step-description">{step.description}</p> : null}
      {facts.length > 0 ? (
        <dl className="facts">
          {facts.map(([term, value]) => (
            <Fragment key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </Fragment>
          ))}
        </dl>
      ) : null}
      {step.template ? (
        <details className="step-template">
          <summary>Template</summary>
          <JsonView value={step.template} label={`Template of step ${step.ref}`} />
        </details>
      ) : null}
      {step.type === 'branch' ? <BranchList step={step} /> : null}
    </div>
  );
}

/** Returns the settings of a step as term and value pairs, by step type. */
function stepFacts(step: WorkflowStep): [string, ReactNode][] {
  const facts: [string, ReactNode][] = [];
  if (step.channel !== undefined) facts.push(['Channel', <code>{step.channel}</code>]);
  const subject = step.template?.subject;
  if (step.type === 'email' && typeof subject === 'string') {
    facts.push(['Subject', <code>{subject}</code>]);
  }
  switch (step.type) {
    case 'delay':
      if (step.duration !== undefined) facts.push(['Waits', formatDuration(step.duration)]);
      if (step.until_path !== undefined) {
        facts.push(['Waits until', <code>{step.until_path}</code>]);
      }
      break;
    case 'batch':
      if (step.window !== undefined) facts.push(['Window', formatDuration(step.window)]);
      facts.push([
        'Batch key',
        step.key_path ? <code>{step.key_path}</code> : 'one window per recipient',
      ]);
      if (step.max_items !== undefined) facts.push(['Max items', String(step.max_items)]);
      break;
    case 'throttle':
      if (step.window !== undefined) facts.push(['Window', formatDuration(step.window)]);
      if (step.limit !== undefined) {
        facts.push(['Limit', `${step.limit} ${step.limit === 1 ? 'run' : 'runs'} per window`]);
      }
      facts.push(['Throttle key', step.key_path ? <code>{step.key_path}</code> : 'the recipient']);
      break;
  }
  return facts;
}

function BranchList(props: { step: WorkflowStep }) {
  const { step } = props;
  return (
    <div className="branches">
      {(step.branches ?? []).map((branch, index) => (
        <div key={`${branch.name}-${index}`} className="branch">
          <p>
            <strong>
              Branch {index + 1}: {branch.name}
            </strong>{' '}
            <span className="muted">
              runs when {branch.match === 'any' ? 'any' : 'all'} of these conditions match:
            </span>
          </p>
          <ul className="conditions">
            {branch.conditions.map((condition, conditionIndex) => (
              <li key={conditionIndex}>
                <ConditionText condition={condition} />
              </li>
            ))}
          </ul>
          {branch.steps.length === 0 ? (
            <p className="muted">No steps.</p>
          ) : (
            <StepList steps={branch.steps} label={`Steps of branch ${branch.name}`} />
          )}
        </div>
      ))}
      <div className="branch">
        <p>
          <strong>Otherwise</strong> <span className="muted">when no branch matches:</span>
        </p>
        {step.default_steps && step.default_steps.length > 0 ? (
          <StepList steps={step.default_steps} label={`Default steps of ${step.ref}`} />
        ) : (
          <p className="muted">No steps; the run continues after the branch step.</p>
        )}
      </div>
    </div>
  );
}

function ConditionText(props: { condition: WorkflowCondition }) {
  const { condition } = props;
  return (
    <>
      <code>{condition.path}</code> {condition.operator.replace(/_/g, ' ')}
      {condition.value !== undefined ? (
        <>
          {' '}
          <code>{JSON.stringify(condition.value)}</code>
        </>
      ) : null}
    </>
  );
}

const DURATION_UNITS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day' };

/** Formats a duration such as `90`, `"30s"` or `"2h"` in words. */
export function formatDuration(duration: string | number): string {
  const match = /^(\d+)\s*([smhd])?$/.exec(String(duration).trim());
  if (match === null) return String(duration);
  const amount = Number(match[1]);
  const unit = DURATION_UNITS[match[2] ?? 's'] ?? 'second';
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}
