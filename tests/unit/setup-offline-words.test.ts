// Tryout 10 #6: the setup dialog's words for a provider that did not answer its test depend on
// where it runs. A cloud preset (DeepSeek, Qwen, …) is reached over the network: "check the
// network", and its recommended models are already filled in (no Ollama example). A server on this
// computer (the Ollama and LM Studio presets, any loopback address) is one the student starts.
import { describe, expect, it } from 'vitest';
import { PROVIDER_PRESETS } from '../../src/shared/presets.ts';
import { offlineWords } from '../../src/renderer/src/features/setup/readiness.ts';
import { en } from '../../src/renderer/src/i18n/en.ts';
import { zhCN as zh } from '../../src/renderer/src/i18n/zh-CN.ts';

const preset = (id: string) => PROVIDER_PRESETS.find((p) => p.id === id)!;

describe('the setup dialog offline words', () => {
  it('a cloud preset at its own address: check the network; its recommended models are filled in', () => {
    for (const id of ['deepseek', 'qwen', 'moonshot', 'zhipu', 'siliconflow', 'openai', 'openrouter']) {
      expect(offlineWords(preset(id), preset(id).base_url), id).toEqual({ unreachable: 'unreachableCloud', modelsTyped: 'modelsTypedCloud' });
    }
    expect(zh.setup.unreachableCloud).toContain('网络连接');
    expect(zh.setup.unreachableCloud).not.toContain('启动');
    expect(zh.setup.modelsTypedCloud).not.toContain('Ollama');
    expect(en.setup.unreachableCloud).toContain('internet connection');
    expect(en.setup.unreachableCloud).not.toMatch(/\bstart it\b/i);
  });

  it('a local server: start it (Ollama: ollama serve), and type the model names', () => {
    expect(offlineWords(preset('ollama'), preset('ollama').base_url)).toEqual({ unreachable: 'unreachableOllama', modelsTyped: 'modelsTyped' });
    expect(offlineWords(preset('lmstudio'), preset('lmstudio').base_url)).toEqual({ unreachable: 'unreachable', modelsTyped: 'modelsTyped' });
    expect(zh.setup.unreachableOllama).toContain('ollama serve');
    expect(zh.setup.unreachable).toContain('请启动它');
  });

  it('"other": by its address — this computer is local, anything else is the cloud (no recommended models)', () => {
    for (const url of ['http://127.0.0.1:8000/v1', 'http://localhost:8080/v1', 'http://[::1]:1234/v1'])
      expect(offlineWords(preset('other'), url), url).toEqual({ unreachable: 'unreachable', modelsTyped: 'modelsTyped' });
    expect(offlineWords(preset('other'), 'https://api.example.com/v1')).toEqual({ unreachable: 'unreachableCloud', modelsTyped: 'modelsTypedOther' });
    // An address not typed yet (or not a URL) is not "this computer".
    expect(offlineWords(preset('other'), '')).toEqual({ unreachable: 'unreachableCloud', modelsTyped: 'modelsTypedOther' });
  });
});
