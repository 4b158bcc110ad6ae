// Imported first by main.tsx, before any module builds a zod schema: zod decides per object schema,
// when it is built, whether to compile a fast parser with `new Function`. The CSP forbids eval, so
// that probe would only log a violation on every page load.
import { z } from 'zod';

z.config({ jitless: true });
