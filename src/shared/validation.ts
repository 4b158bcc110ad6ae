import type { z } from 'zod';
import { ApiError, type FieldIssue } from './errors.ts';

/** Parses `input` with `schema`, or throws a validation_error whose detail names every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'input'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) => {
    // What a client words the issue with in its own language: the keys not known, the kind of value expected.
    const params: Record<string, string> | null =
      issue.code === 'unrecognized_keys' ? { keys: issue.keys.join(', ') } : issue.code === 'invalid_type' ? { expected: issue.expected } : null;
    return { path: issue.path.map(String).join('.') || '(root)', message: issue.message, ...(params ? { params } : {}) };
  });
  const detail = `Invalid ${what}: ` + issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  throw new ApiError('validation_error', detail, issues);
}
