// The rewrite lives in src/shared: the server's search snippets and the copy menu read maths the same way.
export { hasMath, normalizeMathDelimiters } from '../../../../shared/math-delimiters.ts';
