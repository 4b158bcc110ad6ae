// The default-model rule (src/shared/presets.ts pickDefaultModel), the model catalog's coverage of
// every priced model and preset default, and what modelInfo() makes of names it does not know.
import { describe, expect, it } from 'vitest';
import { PRICE_TABLE } from '../../src/main/core/llm/pricing.ts';
import { MODES } from '../../src/shared/api/schemas.ts';
import { MODEL_CATALOG, modelInfo, pickDefaultModel, presetForBaseUrl, PROVIDER_PRESETS } from '../../src/shared/presets.ts';

/** DeepSeek's /models, sorted as listModels sorts it. */
const DEEPSEEK = ['deepseek-chat', 'deepseek-reasoner'];
/** An OpenAI-style /models (sorted): chat, reasoning and every kind of non-chat model. */
const OPENAI = [
  'babbage-002',
  'chatgpt-4o-latest',
  'dall-e-2',
  'dall-e-3',
  'davinci-002',
  'gpt-4o-mini',
  'gpt-4o-mini-transcribe',
  'gpt-4o-realtime-preview',
  'gpt-5',
  'gpt-image-1',
  'o4-mini',
  'omni-moderation-latest',
  'text-embedding-3-large',
  'text-embedding-3-small',
  'tts-1',
  'tts-1-hd',
  'whisper-1',
];

describe('the default model', () => {
  it('a DeepSeek-style list: deepseek-chat for chat and homework, deepseek-reasoner for deep_think (whatever the provider kind)', () => {
    for (const kind of ['deepseek', 'other']) {
      expect(pickDefaultModel('chat', kind, DEEPSEEK)).toBe('deepseek-chat');
      expect(pickDefaultModel('homework', kind, DEEPSEEK)).toBe('deepseek-chat');
      expect(pickDefaultModel('deep_think', kind, DEEPSEEK)).toBe('deepseek-reasoner');
    }
    // The reasoning model first in the list (as the alphabetical order might have it) changes nothing.
    expect(pickDefaultModel('chat', 'other', ['deepseek-reasoner', 'deepseek-chat'])).toBe('deepseek-chat');
  });

  it('an OpenAI-style list: a chat model for chat, a reasoning one for deep_think, never a non-chat model', () => {
    expect(pickDefaultModel('chat', 'other', OPENAI)).toBe('gpt-4o-mini');
    expect(pickDefaultModel('deep_think', 'other', OPENAI)).toBe('gpt-5');
    // With OpenAI's kind, the preset's defaults when listed; else the rule.
    expect(pickDefaultModel('chat', 'openai', [...OPENAI, 'gpt-4.1-mini'].sort())).toBe('gpt-4.1-mini');
    expect(pickDefaultModel('deep_think', 'openai', OPENAI)).toBe('o4-mini');
    expect(pickDefaultModel('chat', 'openai', OPENAI)).toBe('gpt-4o-mini');
    const nonChat = OPENAI.filter((m) => modelInfo(m).kind === 'non_chat');
    expect(nonChat).toEqual([
      'babbage-002',
      'dall-e-2',
      'dall-e-3',
      'davinci-002',
      'gpt-4o-mini-transcribe',
      'gpt-4o-realtime-preview',
      'gpt-image-1',
      'omni-moderation-latest',
      'text-embedding-3-large',
      'text-embedding-3-small',
      'tts-1',
      'tts-1-hd',
      'whisper-1',
    ]);
    for (const mode of MODES) {
      expect(nonChat).not.toContain(pickDefaultModel(mode, 'other', OPENAI));
      expect(pickDefaultModel(mode, 'other', nonChat)).toBeUndefined();
    }
  });

  it('the preset’s default when the list is unknown; nothing at all for an unknown list without a preset', () => {
    expect(pickDefaultModel('chat', 'deepseek', null)).toBe('deepseek-chat');
    expect(pickDefaultModel('deep_think', 'qwen', null)).toBe('qwen3-max');
    expect(pickDefaultModel('chat', 'other', null)).toBeUndefined();
    expect(pickDefaultModel('chat', 'ollama', null)).toBeUndefined();
    // A preset default the provider does not list is not used.
    expect(pickDefaultModel('chat', 'deepseek', ['deepseek-reasoner', 'deepseek-v4'])).toBe('deepseek-v4');
  });

  it('a provider’s own default_model wins for chat and homework, and for deep_think when it reasons or nothing else does', () => {
    expect(pickDefaultModel('chat', 'other', OPENAI, 'o4-mini')).toBe('o4-mini');
    expect(pickDefaultModel('deep_think', 'other', OPENAI, 'gpt-4o-mini')).toBe('gpt-5');
    expect(pickDefaultModel('deep_think', 'other', ['gpt-4o-mini', 'llama3.2'], 'llama3.2')).toBe('llama3.2');
    expect(pickDefaultModel('chat', 'other', OPENAI, 'text-embedding-3-small')).toBe('gpt-4o-mini');
    // Local servers: whatever is listed, chat models first.
    expect(pickDefaultModel('chat', 'ollama', ['deepseek-r1:8b', 'nomic-embed-text', 'qwen2.5:7b'])).toBe('qwen2.5:7b');
    expect(pickDefaultModel('deep_think', 'ollama', ['deepseek-r1:8b', 'nomic-embed-text', 'qwen2.5:7b'])).toBe('deepseek-r1:8b');
    // Only reasoning models listed: chat gets one rather than nothing.
    expect(pickDefaultModel('chat', 'other', ['deepseek-reasoner'])).toBe('deepseek-reasoner');
  });

  it('an OPENAI_BASE_URL at a known provider’s host is that provider', () => {
    expect(presetForBaseUrl('https://api.deepseek.com/v1')?.kind).toBe('deepseek');
    expect(presetForBaseUrl('https://api.deepseek.com')?.kind).toBe('deepseek');
    expect(presetForBaseUrl('http://127.0.0.1:11434/v1')?.kind).toBe('ollama');
    expect(presetForBaseUrl('http://127.0.0.1:5555/v1')).toBeUndefined();
    expect(presetForBaseUrl('not a url')).toBeUndefined();
  });
});

describe('the model catalog', () => {
  it('knows every priced model and every preset default', () => {
    const named = [...Object.keys(PRICE_TABLE), ...PROVIDER_PRESETS.flatMap((p) => Object.values(p.defaults))];
    expect(named.filter((m) => !(m in MODEL_CATALOG))).toEqual([]);
    // A preset's deep_think default is a reasoning model where the provider has one; the others chat.
    for (const preset of PROVIDER_PRESETS) {
      for (const mode of ['chat', 'homework'] as const) if (preset.defaults[mode]) expect(MODEL_CATALOG[preset.defaults[mode]]!.kind, `${preset.id} ${mode}`).not.toBe('reasoning');
      for (const model of Object.values(preset.defaults)) expect(MODEL_CATALOG[model]!.kind).not.toBe('non_chat');
    }
  });
});
