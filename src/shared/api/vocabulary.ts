/**
 * The contract's fixed word lists and limits as plain data, for code that must not load zod (the renderer's
 * first chunk): schemas.ts builds its enums from these and re-exports them.
 */
export const MODES = ['chat', 'homework', 'deep_think'] as const;
export const LANGUAGES = ['zh-CN', 'en'] as const;
export const PROVIDER_KINDS = ['openai', 'deepseek', 'qwen', 'moonshot', 'zhipu', 'siliconflow', 'openrouter', 'ollama', 'lmstudio', 'other'] as const;
export const THEMES = ['light', 'dark', 'system'] as const;
export const USER_ROLES = ['student', 'teacher', 'admin'] as const;

/**
 * The longest turn we store, in UTF-16 code units: about 30,000 Chinese characters' worth of
 * tokens beyond any model's useful context, yet far below what would slow the FTS index.
 */
export const MAX_CONTENT_CHARS = 100_000;
/** The longest message a student may send (the proxy's `message`): the same. The chat's composer counts against it. */
export const MAX_MESSAGE_CHARS = MAX_CONTENT_CHARS;

/**
 * The most days one learner-summary range may cover (schemas.ts checkDayRange): a desktop's run
 * (POST /learner-summary/run) and a hub teacher's learner days (hub.ts LearnerDaysQuerySchema, the
 * dashboard's longest choice) are each computed on request.
 */
export const MAX_RANGE_DAYS = 31;

/** The limits on attachments, named in the errors and documented in README and SECURITY.md. */
export const ATTACHMENT_LIMITS = {
  /** An image as uploaded (PNG, JPEG, WebP). */
  imageBytes: 10 * 1024 * 1024,
  /** Images larger than this many pixels are refused before they are decoded. */
  imageMaxPixels: 50_000_000,
  /** Images are stored (and sent) shrunk to fit this many pixels on their longest side. */
  imageMaxSide: 2048,
  pdfBytes: 20 * 1024 * 1024,
  pdfPages: 500,
  perMessage: 8,
  /** Text kept from one attachment (OCR or a PDF's text). */
  textChars: MAX_CONTENT_CHARS,
  /** Text a student may send for one attachment (the OCR text as edited). */
  sentTextChars: 20_000,
} as const;
