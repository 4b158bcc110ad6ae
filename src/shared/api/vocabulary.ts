/**
 * The contract's fixed word lists as plain data, for code that must not load zod (the renderer's
 * first chunk): schemas.ts builds its enums from these and re-exports them.
 */
export const MODES = ['chat', 'homework', 'deep_think'] as const;
export const LANGUAGES = ['zh-CN', 'en'] as const;
export const PROVIDER_KINDS = ['openai', 'deepseek', 'qwen', 'moonshot', 'zhipu', 'siliconflow', 'openrouter', 'ollama', 'lmstudio', 'other'] as const;
export const THEMES = ['light', 'dark', 'system'] as const;
export const USER_ROLES = ['student', 'teacher', 'admin'] as const;
