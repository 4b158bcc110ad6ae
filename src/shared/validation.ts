import type { z } from 'zod';
import { ApiError, type FieldIssue } from './errors.ts';

/** Parses `input` with `schema`, or throws a validation_error whose detail names every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'input'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  const detail = `Invalid ${what}: ` + issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new ApiError('validation_error', detail, issues);
}
