/**
 * The configured model providers and how to reach them. A provider is {id, name, kind, base_url,
 * models, api_key_ref}; its key comes from the keychain, from an environment variable, or is not
 * needed (local servers). Headless, OPENAI_BASE_URL / OPENAI_API_KEY (the SDK's own conventions)
 * give a provider with id "env" without any settings.
 */
import OpenAI from 'openai';
import { ProviderSchema, type Provider } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import type { SettingsStore } from '../settings/settings.store.ts';
import type { SecretStore } from '../secrets/keychain.ts';
import { cappedFetch } from './upstream-limits.ts';
import { upstreamError } from './upstream-errors.ts';

export const ENV_PROVIDER_ID = 'env';
/** The SDK insists on a key; local servers ignore it. */
const NO_KEY = 'no-key-needed';
const MODELS_TIMEOUT_MS = 5_000;

/** A provider as the renderer and API clients see it: no key, only whether one is set. */
export interface ProviderInfo extends Provider {
  key_status: 'set' | 'missing' | 'not_needed' | 'unknown';
}

export interface ModelList {
  provider_id: string;
  models: string[];
  /** True when the provider could not be reached and the list is the last one we saw. */
  cached: boolean;
  fetched_at: number | null;
}

/** Environment variable a keychain-backed provider falls back to where no keychain is reachable. */
export function envKeyName(providerId: string): string {
  return `STUDYLOG_API_KEY_${providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** How long a key read from the keychain is reused (each read is a D-Bus round trip on Linux). */
const KEY_CACHE_MS = 60_000;

export class ProviderRegistry {
  readonly #settings: SettingsStore;
  readonly #secrets: SecretStore | null;
  readonly #env: NodeJS.ProcessEnv;
  readonly #keys = new Map<string, { key: string; at: number }>();
  /** One SDK client per provider configuration and key: it keeps its connections alive. */
  readonly #clients = new Map<string, OpenAI>();

  constructor(options: { settings: SettingsStore; secrets: SecretStore | null; env?: NodeJS.ProcessEnv }) {
    this.#settings = options.settings;
    this.#secrets = options.secrets;
    this.#env = options.env ?? process.env;
  }

  list(): Provider[] {
    const configured = this.#settings.get().providers;
    const fromEnv = this.#envProvider();
    return fromEnv && !configured.some((p) => p.id === ENV_PROVIDER_ID) ? [...configured, fromEnv] : configured;
  }

  get(id: string): Provider {
    const provider = this.list().find((p) => p.id === id);
    if (!provider) throw new ApiError('not_found', `There is no provider '${id}'.`);
    return provider;
  }

  /**
   * Which provider and model serve a request: the policy's provider, else one that lists the
   * model, else the default provider, else the first; the model given, else the policy's, else
   * the provider's default.
   */
  select(options: { model?: string | undefined; providerId?: string | undefined }): { provider: Provider; model: string } {
    const providers = this.list();
    if (providers.length === 0) {
      throw new ApiError('provider_not_configured', 'No model provider is configured. Add one in Settings, or set OPENAI_BASE_URL and OPENAI_API_KEY.');
    }
    const { model, providerId } = options;
    const defaultId = this.#settings.get().default_provider_id;
    const provider =
      (providerId && providers.find((p) => p.id === providerId)) ||
      (model && providers.find((p) => p.models.includes(model) || this.#cachedModels(p.id).includes(model))) ||
      (defaultId && providers.find((p) => p.id === defaultId)) ||
      providers[0]!;
    const chosen = model ?? provider.default_model ?? provider.models[0] ?? this.#cachedModels(provider.id)[0];
    if (!chosen) throw new ApiError('provider_not_configured', `Provider '${provider.name}' has no model configured. Pick a model in Settings.`);
    return { provider, model: chosen };
  }

  async info(): Promise<ProviderInfo[]> {
    return Promise.all(this.list().map(async (p) => ({ ...p, key_status: await this.#keyStatus(p) })));
  }

  /** The API key for a provider. Stays in the main process: only clients built here use it. */
  async apiKey(provider: Provider): Promise<string> {
    const ref = provider.api_key_ref;
    if (ref.source === 'none') return NO_KEY;
    if (ref.source === 'env') {
      const key = this.#env[ref.var];
      if (key) return key;
      throw new ApiError('provider_not_configured', `No API key for '${provider.name}': the environment variable ${ref.var} is not set.`);
    }
    let keychainProblem = '';
    const cached = this.#keys.get(provider.id);
    if (cached && Date.now() - cached.at < KEY_CACHE_MS) return cached.key;
    if (this.#secrets) {
      try {
        const key = await this.#secrets.get(provider.id);
        if (key) {
          this.#keys.set(provider.id, { key, at: Date.now() });
          return key;
        }
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'keychain_unavailable')) throw error;
        keychainProblem = ` (${error.detail})`;
      }
    }
    const fallback = this.#env[envKeyName(provider.id)];
    if (fallback) return fallback;
    throw new ApiError(
      'provider_not_configured',
      `No API key for '${provider.name}': set it in Settings (it is kept in the system keychain) or, on a headless server, in ${envKeyName(provider.id)}.${keychainProblem}`,
    );
  }

  async setApiKey(providerId: string, key: string): Promise<void> {
    const provider = this.get(providerId);
    if (provider.api_key_ref.source !== 'keychain') {
      throw new ApiError('validation_error', `Provider '${provider.name}' does not keep its key in the keychain (api_key_ref is '${provider.api_key_ref.source}').`);
    }
    if (!this.#secrets) throw new ApiError('keychain_unavailable', `No system keychain here: set ${envKeyName(providerId)} in the environment instead. Keys are never stored in plain text.`);
    await this.#secrets.set(provider.id, key);
    this.#keys.delete(provider.id);
  }

  async deleteApiKey(providerId: string): Promise<boolean> {
    this.get(providerId);
    if (!this.#secrets) return false;
    this.#keys.delete(providerId);
    return this.#secrets.delete(providerId);
  }

  /** An SDK client for the provider, with the provider's own timeout and retry budget. */
  async client(provider: Provider): Promise<{ client: OpenAI; secrets: string[] }> {
    const apiKey = await this.apiKey(provider);
    const cacheKey = JSON.stringify([provider.base_url, provider.timeout_ms, provider.max_retries, apiKey]);
    let client = this.#clients.get(cacheKey);
    if (!client) {
      if (this.#clients.size >= 20) this.#clients.clear(); // settings changed many times: start afresh
      // cappedFetch: no reply may be larger than a bound (see upstream-limits.ts).
      client = new OpenAI({ apiKey, baseURL: provider.base_url, timeout: provider.timeout_ms, maxRetries: provider.max_retries, logLevel: 'off', fetch: cappedFetch() });
      this.#clients.set(cacheKey, client);
    }
    return { client, secrets: [apiKey] };
  }

  /** The provider's models from its /models, cached for offline use; the cache when unreachable. */
  async listModels(providerId: string): Promise<ModelList> {
    const provider = this.get(providerId);
    const { client, secrets } = await this.client(provider);
    try {
      const page = await client.models.list({ timeout: MODELS_TIMEOUT_MS, maxRetries: 0 });
      const models = page.data.map((m) => m.id).sort();
      this.#settings.setCache(`models:${provider.id}`, models);
      return { provider_id: provider.id, models, cached: false, fetched_at: Date.now() };
    } catch (error) {
      const cache = this.#settings.getCache<string[]>(`models:${provider.id}`);
      if (cache) return { provider_id: provider.id, models: cache.value, cached: true, fetched_at: cache.updated_at };
      throw upstreamError(error, { provider: provider.name, model: '', secrets });
    }
  }

  #cachedModels(providerId: string): string[] {
    return this.#settings.getCache<string[]>(`models:${providerId}`)?.value ?? [];
  }

  async #keyStatus(provider: Provider): Promise<ProviderInfo['key_status']> {
    if (provider.api_key_ref.source === 'none') return 'not_needed';
    try {
      await this.apiKey(provider);
      return 'set';
    } catch (error) {
      return error instanceof ApiError && error.code === 'provider_not_configured' ? 'missing' : 'unknown';
    }
  }

  #envProvider(): Provider | null {
    const baseUrl = this.#env.OPENAI_BASE_URL;
    if (!baseUrl && !this.#env.OPENAI_API_KEY) return null;
    return ProviderSchema.parse({
      id: ENV_PROVIDER_ID,
      name: baseUrl ? `Environment (${new URL(baseUrl).host})` : 'OpenAI (environment)',
      kind: baseUrl ? 'other' : 'openai',
      base_url: baseUrl ?? 'https://api.openai.com/v1',
      models: this.#env.STUDYLOG_MODEL ? [this.#env.STUDYLOG_MODEL] : [],
      api_key_ref: this.#env.OPENAI_API_KEY ? { source: 'env', var: 'OPENAI_API_KEY' } : { source: 'none' },
    });
  }
}
