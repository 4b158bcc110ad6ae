/**
 * The providers students use, one click away, and what we know about their models: data, read by
 * the setup dialog (renderer), the default-model rule and the proxy (main). Versioned like the
 * price table: bump PRESETS_VERSION when a base URL, a default or a model's kind changes.
 *
 * Sources: each provider's public OpenAI-compatibility documentation (base URL, model ids).
 * Model ids move often; a provider's own `/models` list always wins over the defaults here.
 */
import type { Mode } from './api/schemas.ts';

export const PRESETS_VERSION = '2026-11-29';

/**
 * What a model is for. `chat`: plain chat. `reasoning`: thinks before answering (slow, costly;
 * used by default only for deep_think). `vision`: a chat model that also takes images.
 * `non_chat`: embeddings, speech, images, moderation — never sent a chat message.
 */
export const MODEL_KINDS = ['chat', 'reasoning', 'vision', 'non_chat'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface ModelInfo {
  kind: ModelKind;
  /** Takes images as OpenAI `image_url` content parts (vision models, and some reasoning ones). */
  images: boolean;
}

const chat: ModelInfo = { kind: 'chat', images: false };
const vision: ModelInfo = { kind: 'vision', images: true };
const reasoning: ModelInfo = { kind: 'reasoning', images: false };
const reasoningWithImages: ModelInfo = { kind: 'reasoning', images: true };

/**
 * Every model the presets and the price table name. A test checks that each priced model and
 * each preset default is here.
 */
export const MODEL_CATALOG: Readonly<Record<string, ModelInfo>> = {
  // OpenAI
  'gpt-5': reasoningWithImages,
  'gpt-5-mini': reasoningWithImages,
  'gpt-5-nano': reasoningWithImages,
  o3: reasoningWithImages,
  'o4-mini': reasoningWithImages,
  'gpt-4.1': vision,
  'gpt-4.1-mini': vision,
  'gpt-4.1-nano': vision,
  'gpt-4o': vision,
  'gpt-4o-mini': vision,
  // DeepSeek
  'deepseek-chat': chat,
  'deepseek-reasoner': reasoning,
  // Qwen (DashScope)
  'qwen-max': chat,
  'qwen-plus': chat,
  'qwen-turbo': chat,
  'qwen3-max': chat,
  'qwen-vl-max': vision,
  'qwen-vl-plus': vision,
  'qwq-plus': reasoning,
  // Moonshot / Kimi
  'kimi-k2-0905-preview': chat,
  'kimi-k2-turbo-preview': chat,
  'kimi-k2-thinking': reasoning,
  'moonshot-v1-8k': chat,
  'moonshot-v1-32k': chat,
  'moonshot-v1-128k': chat,
  'moonshot-v1-8k-vision-preview': vision,
  // Zhipu GLM
  'glm-4.6': chat,
  'glm-4.5': chat,
  'glm-4.5-air': chat,
  'glm-4.5-flash': chat,
  'glm-4.5v': vision,
  'glm-z1-air': reasoning,
  // SiliconFlow (open models under their publishers' names)
  'deepseek-ai/DeepSeek-V3': chat,
  'deepseek-ai/DeepSeek-R1': reasoning,
  'Qwen/Qwen3-8B': chat,
  'Qwen/Qwen2.5-VL-72B-Instruct': vision,
  'THUDM/GLM-4-9B-0414': chat,
  // OpenRouter (publisher/model)
  'openai/gpt-4o-mini': vision,
  'deepseek/deepseek-chat': chat,
  'deepseek/deepseek-r1': reasoning,
};

/**
 * Models a provider's `/models` lists that are not chat models, by name: embeddings, speech,
 * images, moderation, rerankers, and OpenAI's legacy completion-only models.
 */
const NON_CHAT_NAME = /(embed|embedding|whisper|tts|speech|audio|transcri|dall-e|gpt-image|image-|moderation|rerank|davinci|babbage|realtime|^text-|^bge-|^sora|omni-moderation)/i;
/** Reasoning models by name, for ids the catalog does not list (local R1 distills, QwQ …). */
const REASONING_NAME = /(^o[1-9](-|$)|reasoner|[-_/]r1\b|thinking|\bqwq\b|deepseek-r1)/i;
const VISION_NAME = /(vision|[-_]vl\b|[-_]vl[-_]|llava|\bgpt-4o\b|4\.1|glm-4\.?5?v)/i;

/** What a model is: the catalog's entry, else a guess from its name (a local model is chat). */
export function modelInfo(model: string): ModelInfo {
  const known = MODEL_CATALOG[model];
  if (known) return known;
  if (NON_CHAT_NAME.test(model)) return { kind: 'non_chat', images: false };
  if (REASONING_NAME.test(model)) return reasoning;
  if (VISION_NAME.test(model)) return vision;
  return chat;
}

export interface ProviderPreset {
  /** Also the suggested provider id (a second one of the same preset gets a suffix). */
  id: string;
  /** Provider kind stored in settings (PROVIDER_KINDS). */
  kind: 'openai' | 'deepseek' | 'qwen' | 'moonshot' | 'zhipu' | 'siliconflow' | 'openrouter' | 'ollama' | 'lmstudio' | 'other';
  name: { 'zh-CN': string; en: string };
  /** Empty for "other OpenAI-compatible": the student types it. */
  base_url: string;
  /** Local servers (Ollama, LM Studio) take no key. */
  needs_key: boolean;
  /** Where the student gets a key (shown as a link in the setup dialog). */
  key_page: string | null;
  /** A local server on this machine: can be set up offline with a typed model name. */
  local: boolean;
  /** The model each mode uses when the student picks none; empty for local servers. */
  defaults: Partial<Record<Mode, string>>;
}

export const PROVIDER_PRESETS: readonly ProviderPreset[] = [
  {
    id: 'deepseek',
    kind: 'deepseek',
    name: { 'zh-CN': 'DeepSeek 深度求索', en: 'DeepSeek' },
    base_url: 'https://api.deepseek.com/v1',
    needs_key: true,
    key_page: 'https://platform.deepseek.com/api_keys',
    local: false,
    defaults: { chat: 'deepseek-chat', homework: 'deepseek-chat', deep_think: 'deepseek-reasoner' },
  },
  {
    id: 'qwen',
    kind: 'qwen',
    name: { 'zh-CN': '通义千问（阿里云百炼 DashScope）', en: 'Qwen (Alibaba DashScope)' },
    base_url: 'https://dashscope.aliyuncs.com/compatible-mode/v1',
    needs_key: true,
    key_page: 'https://bailian.console.aliyun.com/?apiKey=1',
    local: false,
    defaults: { chat: 'qwen-plus', homework: 'qwen-plus', deep_think: 'qwen3-max' },
  },
  {
    id: 'moonshot',
    kind: 'moonshot',
    name: { 'zh-CN': 'Kimi（月之暗面 Moonshot）', en: 'Kimi (Moonshot AI)' },
    base_url: 'https://api.moonshot.cn/v1',
    needs_key: true,
    key_page: 'https://platform.moonshot.cn/console/api-keys',
    local: false,
    defaults: { chat: 'kimi-k2-turbo-preview', homework: 'kimi-k2-turbo-preview', deep_think: 'kimi-k2-thinking' },
  },
  {
    id: 'zhipu',
    kind: 'zhipu',
    name: { 'zh-CN': '智谱 GLM', en: 'Zhipu GLM' },
    base_url: 'https://open.bigmodel.cn/api/paas/v4',
    needs_key: true,
    key_page: 'https://open.bigmodel.cn/usercenter/apikeys',
    local: false,
    defaults: { chat: 'glm-4.5-air', homework: 'glm-4.5-air', deep_think: 'glm-4.6' },
  },
  {
    id: 'siliconflow',
    kind: 'siliconflow',
    name: { 'zh-CN': '硅基流动 SiliconFlow', en: 'SiliconFlow' },
    base_url: 'https://api.siliconflow.cn/v1',
    needs_key: true,
    key_page: 'https://cloud.siliconflow.cn/account/ak',
    local: false,
    defaults: { chat: 'deepseek-ai/DeepSeek-V3', homework: 'deepseek-ai/DeepSeek-V3', deep_think: 'deepseek-ai/DeepSeek-R1' },
  },
  {
    id: 'openai',
    kind: 'openai',
    name: { 'zh-CN': 'OpenAI', en: 'OpenAI' },
    base_url: 'https://api.openai.com/v1',
    needs_key: true,
    key_page: 'https://platform.openai.com/api-keys',
    local: false,
    defaults: { chat: 'gpt-4.1-mini', homework: 'gpt-4.1-mini', deep_think: 'o4-mini' },
  },
  {
    id: 'openrouter',
    kind: 'openrouter',
    name: { 'zh-CN': 'OpenRouter', en: 'OpenRouter' },
    base_url: 'https://openrouter.ai/api/v1',
    needs_key: true,
    key_page: 'https://openrouter.ai/keys',
    local: false,
    defaults: { chat: 'deepseek/deepseek-chat', homework: 'deepseek/deepseek-chat', deep_think: 'deepseek/deepseek-r1' },
  },
  {
    id: 'ollama',
    kind: 'ollama',
    name: { 'zh-CN': 'Ollama（本机）', en: 'Ollama (this computer)' },
    base_url: 'http://127.0.0.1:11434/v1',
    needs_key: false,
    key_page: null,
    local: true,
    defaults: {},
  },
  {
    id: 'lmstudio',
    kind: 'lmstudio',
    name: { 'zh-CN': 'LM Studio（本机）', en: 'LM Studio (this computer)' },
    base_url: 'http://127.0.0.1:1234/v1',
    needs_key: false,
    key_page: null,
    local: true,
    defaults: {},
  },
  {
    id: 'other',
    kind: 'other',
    name: { 'zh-CN': '其他 OpenAI 兼容服务', en: 'Other OpenAI-compatible service' },
    base_url: '',
    needs_key: true,
    key_page: null,
    local: false,
    defaults: {},
  },
];

export function presetOf(kind: string): ProviderPreset | undefined {
  return PROVIDER_PRESETS.find((p) => p.kind === kind);
}

/** A model a student may be sent to at all: anything but embeddings, speech, images, moderation. */
export function isChatCapable(model: string): boolean {
  return modelInfo(model).kind !== 'non_chat';
}

/**
 * The model a mode uses when nothing is chosen (README "Which model answers"), for a provider of
 * `kind` whose models are `listed` (null: its list is unknown — never fetched, provider offline):
 *
 *   1. the provider's own default_model, if it is a chat-capable model — in deep_think only if it
 *      is a reasoning model (else it is the fallback of step 3);
 *   2. the preset's default for the mode, when the provider lists it or its list is unknown;
 *   3. deep_think: the first listed reasoning model (the catalog's before guessed ones);
 *   4. the first listed chat or vision model (the catalog's before guessed ones);
 *   5. the first listed model that is not a non-chat one.
 *
 * Never a non-chat model; a reasoning model for chat or homework only when nothing else is listed.
 */
export function pickDefaultModel(mode: Mode, kind: string, listed: readonly string[] | null, providerDefault?: string): string | undefined {
  const chosen = providerDefault && isChatCapable(providerDefault) ? providerDefault : undefined;
  if (chosen && (mode !== 'deep_think' || modelInfo(chosen).kind === 'reasoning')) return chosen;
  const usable = listed ? listed.filter(isChatCapable) : null;
  const preset = presetOf(kind)?.defaults[mode];
  if (preset && (usable === null || usable.includes(preset))) return preset;
  // The catalog's models before ones only guessed from their names ("codex-mini-latest" is not a chat model).
  const first = (kinds: readonly ModelKind[]) =>
    usable?.find((m) => m in MODEL_CATALOG && kinds.includes(modelInfo(m).kind)) ?? usable?.find((m) => kinds.includes(modelInfo(m).kind));
  if (mode === 'deep_think') {
    const thinker = first(['reasoning']);
    if (thinker) return thinker;
    if (chosen) return chosen;
  }
  return first(['chat', 'vision']) ?? usable?.[0] ?? chosen;
}

/** The preset whose base URL has this URL's host (an OPENAI_BASE_URL pointing at DeepSeek is DeepSeek). */
export function presetForBaseUrl(baseUrl: string): ProviderPreset | undefined {
  let host: string;
  try {
    host = new URL(baseUrl).host;
  } catch {
    return undefined;
  }
  return PROVIDER_PRESETS.find((p) => p.base_url && new URL(p.base_url).host === host);
}
