/**
 * Accepting a hand-in file's text where it is filed — a teacher's import on the desktop
 * (handin.service.ts) and the class hub (hub/store.ts) — one check, written once: the bundle's
 * shape, every link of its chain, its end, its signature, and the key on record for the student
 * (trust on first use). Refused: `bundle_invalid`, naming each problem (in English in the detail,
 * in the caller's language per problem); a file over MAX_BUNDLE_BYTES (its UTF-8 bytes) first,
 * with `payload_too_large`.
 */
import { describeBundleSize, describeProblem, MAX_BUNDLE_BYTES, type Bundle, type Verification } from '../../../shared/api/handin.ts';
import type { Language } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { verifyBundle } from './bundle.ts';

export function acceptBundle(
  text: string,
  options: { language: Language; knownKey: (bundle: Bundle) => string | null; now?: number },
): { bundle: Bundle; verification: Verification } {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_BUNDLE_BYTES) throw bundleTooLarge(bytes, options.language);
  const now = options.now ?? Date.now();
  const first = verifyBundle(text, { now });
  const knownKey = first.bundle ? options.knownKey(first.bundle) : null;
  const { verification, bundle } = knownKey ? verifyBundle(text, { knownKey, now }) : first;
  if (!verification.ok || !bundle) {
    throw new ApiError(
      'bundle_invalid',
      `The hand-in file was refused: ${verification.problems.map((p) => describeProblem(p, 'en')).join(' ')}`,
      // The code and where (params) let a client say it in its own language; the message is in the settings' language.
      verification.problems.map(({ code, ...params }) => ({ path: code, message: describeProblem({ code, ...params }, options.language), params })),
    );
  }
  return { bundle, verification };
}

/**
 * A hand-in over MAX_BUNDLE_BYTES: the size in the detail (English) and in the caller's language
 * (the issue; `params` let a client say it in its own).
 */
export function bundleTooLarge(bytes: number, language: Language): ApiError {
  return new ApiError('payload_too_large', describeBundleSize(bytes, 'en'), [
    { path: 'bundle', message: describeBundleSize(bytes, language), params: { bytes, max_bytes: MAX_BUNDLE_BYTES } },
  ]);
}
