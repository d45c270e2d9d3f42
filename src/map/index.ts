/**
 * The field mapping language: paths into a received event, and the value specs that build action
 * parameters from it.
 */
export {
  evaluatePath,
  parsePath,
  parseRelativePath,
  PathSyntaxError,
  type EventContext,
  type PathSegment,
} from './path.js';
export {
  TemplateSyntaxError,
  validateSpec,
  type FindSpec,
  type FirstOfSpec,
  type LiteralSpec,
  type ObjectSpec,
  type PathSpec,
  type PathString,
  type TemplateMissing,
  type TemplateSpec,
  type ValueSpec,
} from './value-spec.js';
export {
  resolveParameters,
  resolveSpec,
  ValueSpecError,
  type FieldError,
  type ResolvedParameters,
} from './resolve.js';
