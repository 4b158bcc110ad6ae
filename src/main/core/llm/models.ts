/**
 * What we know about models beyond their price: how much context they take (for trimming
 * history) and which request parameters they accept. Unknown models get cautious defaults.
 */
export interface ModelTraits {
  contextWindow: number;
  /** Accepts `reasoning_effort` (OpenAI o-series and GPT-5). */
  reasoningEffort: boolean;
  /** Wants `max_completion_tokens` instead of the deprecated `max_tokens`. */
  maxCompletionTokens: boolean;
  /** Rejects `temperature` (OpenAI reasoning models). */
  noTemperature: boolean;
}

const OPENAI_REASONING: ModelTraits = { contextWindow: 200_000, reasoningEffort: true, maxCompletionTokens: true, noTemperature: true };
const OPENAI_CHAT: ModelTraits = { contextWindow: 128_000, reasoningEffort: false, maxCompletionTokens: true, noTemperature: false };
const PLAIN = (contextWindow: number): ModelTraits => ({ contextWindow, reasoningEffort: false, maxCompletionTokens: false, noTemperature: false });

const KNOWN: Record<string, ModelTraits> = {
  'gpt-5': { ...OPENAI_REASONING, contextWindow: 400_000 },
  'gpt-5-mini': { ...OPENAI_REASONING, contextWindow: 400_000 },
  'gpt-5-nano': { ...OPENAI_REASONING, contextWindow: 400_000 },
  o3: OPENAI_REASONING,
  'o4-mini': OPENAI_REASONING,
  'gpt-4.1': { ...OPENAI_CHAT, contextWindow: 1_000_000 },
  'gpt-4.1-mini': { ...OPENAI_CHAT, contextWindow: 1_000_000 },
  'gpt-4.1-nano': { ...OPENAI_CHAT, contextWindow: 1_000_000 },
  'gpt-4o': OPENAI_CHAT,
  'gpt-4o-mini': OPENAI_CHAT,
  'deepseek-chat': PLAIN(64_000),
  // deepseek-reasoner ignores temperature and returns its reasoning as reasoning_content.
  'deepseek-reasoner': PLAIN(64_000),
  'qwen-max': PLAIN(32_000),
  'qwen-plus': PLAIN(128_000),
  'qwen-turbo': PLAIN(128_000),
  'qwen3-max': PLAIN(256_000),
};

/** Local models (Ollama's default context is small): assume 8k unless we know better. */
export const UNKNOWN_MODEL_TRAITS = PLAIN(8_192);

export function traitsOf(model: string): ModelTraits {
  return KNOWN[model] ?? UNKNOWN_MODEL_TRAITS;
}
