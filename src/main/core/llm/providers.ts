/**
 * The configured model providers and how to reach them. A provider is {id, name, kind, base_url,
 * models, api_key_ref}; its key comes from the keychain, from an environment variable, or is not
 * needed (local servers). Headless, OPENAI_BASE_URL / OPENAI_API_KEY (the SDK's own conventions)
 * give a provider with id "env" without any settings.
 *
 * Every key is bound to one destination, the origin (scheme://host:port) it is meant for, and is
 * never sent anywhere else, whatever the settings say:
 * - a keychain key carries the origin it was entered for inside the keychain entry itself
 *   (`{"v":1,"origin":…,"key":…}`), so no settings edit can move it;
 * - an environment key goes only to the origin its documented companion variable names
 *   (envKeyDestination below).
 */
import OpenAI from 'openai';
import { MODES, ProviderSchema, type Mode, type PolicyOverride, type Provider } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { PROVIDER_PRESETS, isChatCapable, pickDefaultModel, presetForBaseUrl } from '../../../shared/presets.ts';
import type { SettingsStore } from '../settings/settings.store.ts';
import { envBaseUrlName, envKeyName, keychainUnavailableDetail, type SecretStore } from '../secrets/keychain.ts';
import { upstreamFetch } from './upstream-fetch.ts';
import { upstreamError } from './upstream-errors.ts';

export const ENV_PROVIDER_ID = 'env';

/**
 * No model could be chosen because the provider's model list could not be read (no key yet, a
 * locked keychain, offline …), with that failure's code: unlike a provider with nothing usable,
 * this can pass by itself, so the proxy keeps the message for a retry.
 */
export class ModelsUnreadable extends ApiError {}
/** The SDK insists on a key; local servers ignore it. */
const NO_KEY = 'no-key-needed';
const MODELS_TIMEOUT_MS = 5_000;

/** A provider as the renderer and API clients see it: no key, only whether one is set. */
export interface ProviderInfo extends Provider {
  key_status: 'set' | 'missing' | 'not_needed' | 'unknown';
}

/** A new message's model choice: the mode, what the student asked for, the mode's policy. */
export interface ModelRequest {
  mode: Mode;
  requested?: string | undefined;
  policy: Pick<PolicyOverride, 'provider_id' | 'model' | 'models'>;
}

/** How many allowed models a validation error names. */
const MAX_NAMED_MODELS = 20;

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

export interface ModelList {
  provider_id: string;
  models: string[];
  /** True when the provider could not be asked and the list is the last one we saw. */
  cached: boolean;
  fetched_at: number | null;
  /**
   * With a cached list: why it could not be asked this time — offline, or something the student
   * must fix (a refused key …), which a cached list must not make look like "offline".
   */
  error?: ApiError;
}

export { envBaseUrlName, envKeyName };

/**
 * The destination a key is bound to: scheme://host[:port] with the host lowercased, IDN as
 * punycode, trailing dots dropped, default ports (80/443) left out — what the WHATWG URL parser
 * gives, plus the trailing dots, which it keeps ("api.openai.com." is the same host). Null for
 * something that is not an http(s) URL.
 */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  const host = parsed.hostname.replace(/\.+$/, '');
  if (!host) return null;
  return `${parsed.protocol}//${host}${parsed.port ? `:${parsed.port}` : ''}`;
}

/** `<PREFIX>_API_KEY` variables of the providers we ship presets for, and the preset they name. */
const PRESET_KEY_PREFIXES: Readonly<Record<string, string>> = {
  DEEPSEEK: 'deepseek',
  DASHSCOPE: 'qwen',
  MOONSHOT: 'moonshot',
  ZHIPU: 'zhipu',
  ZHIPUAI: 'zhipu',
  SILICONFLOW: 'siliconflow',
  OPENROUTER: 'openrouter',
};
const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Where the key in environment variable `name` may be sent: its origin, and the variable that
 * says so (for messages); or why it may go nowhere. The rule (README, "Providers and API keys"):
 * - OPENAI_API_KEY → OPENAI_BASE_URL, else the SDK's default https://api.openai.com;
 * - STUDYLOG_API_KEY_<ID> → STUDYLOG_BASE_URL_<ID>, which must be set;
 * - <PREFIX>_API_KEY → <PREFIX>_BASE_URL when set, else the preset it names (DEEPSEEK_API_KEY →
 *   api.deepseek.com, DASHSCOPE_, MOONSHOT_, ZHIPU_/ZHIPUAI_, SILICONFLOW_, OPENROUTER_API_KEY);
 * - any other <PREFIX>_KEY (STUDYLOG_…KEY) → <PREFIX>_BASE_URL, which must be set.
 */
export function envKeyDestination(name: string, env: NodeJS.ProcessEnv): { origin: string; from: string } | { refused: string } {
  const fromVar = (urlVar: string): { origin: string; from: string } | { refused: string } => {
    const origin = originOf(env[urlVar] ?? '');
    return origin ? { origin, from: urlVar } : { refused: `${urlVar} is not a valid http(s) URL` };
  };
  if (name === 'OPENAI_API_KEY')
    return env.OPENAI_BASE_URL ? fromVar('OPENAI_BASE_URL') : { origin: originOf(OPENAI_DEFAULT_BASE_URL)!, from: 'the OpenAI default (OPENAI_BASE_URL is not set)' };
  const studylog = /^STUDYLOG_API_KEY_(.+)$/.exec(name);
  if (studylog) {
    const urlVar = `STUDYLOG_BASE_URL_${studylog[1]}`;
    return env[urlVar] ? fromVar(urlVar) : { refused: `set ${urlVar} to the provider's base URL beside ${name}` };
  }
  const match = /^(.+?)(_API)?_KEY$/.exec(name);
  if (!match) return { refused: `${name} is not a key variable` };
  const urlVar = `${match[1]}_BASE_URL`;
  if (env[urlVar]) return fromVar(urlVar);
  const preset = match[2] ? PROVIDER_PRESETS.find((p) => p.id === PRESET_KEY_PREFIXES[match[1]!]) : undefined;
  if (preset) return { origin: originOf(preset.base_url)!, from: `the ${preset.name.en} preset` };
  return { refused: `set ${urlVar} to the provider's base URL beside ${name}` };
}

/** What Studylog keeps in the keychain for a provider: the key and the origin it was entered for. */
interface KeychainEntry {
  v: 1;
  origin: string;
  key: string;
}

export function encodeKeychainEntry(origin: string, key: string): string {
  return JSON.stringify({ v: 1, origin, key } satisfies KeychainEntry);
}

/** A keychain secret Studylog wrote, or null (a plain key from before keys were bound: refused). */
export function decodeKeychainEntry(secret: string): KeychainEntry | null {
  if (!secret.startsWith('{')) return null;
  try {
    const entry = JSON.parse(secret) as Partial<KeychainEntry>;
    return entry.v === 1 && typeof entry.origin === 'string' && typeof entry.key === 'string' && entry.key ? (entry as KeychainEntry) : null;
  } catch {
    return null;
  }
}

/** How long a key read from the keychain is reused (each read is a D-Bus round trip on Linux). */
const KEY_CACHE_MS = 60_000;

export class ProviderRegistry {
  readonly #settings: SettingsStore;
  readonly #secrets: SecretStore | null;
  readonly #env: NodeJS.ProcessEnv;
  readonly #keys = new Map<string, { key: string; origin: string; at: number }>();
  /** One SDK client per provider configuration and key: it keeps its connections alive. */
  readonly #clients = new Map<string, OpenAI>();
  /** /models requests in flight, per provider. */
  readonly #listing = new Map<string, Promise<ModelList>>();
  /** The cached /models lists, read from settings once (every message looks at one). */
  readonly #lists = new Map<string, string[] | null>();
  /** Why a provider's /models could not be read last time (for "no model configured" errors). */
  readonly #listErrors = new Map<string, ApiError>();

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
   * Which provider and model answer a new message (README "Which model answers").
   *
   * A model the student asked for must be one the mode allows: the policy's `models` list when
   * it sets one, else any chat-capable model the providers in scope list (a list that cannot be
   * known — never fetched, provider offline — allows any chat-capable name), plus the policy's
   * own `model`. Anything else is a validation_error naming the allowed ones. The providers in
   * scope are the policy's provider when it names one, else all of them.
   *
   * Nothing asked for: the policy's model, else the mode's default for the policy's provider,
   * else the default provider, else the first (pickDefaultModel). A provider with no configured
   * and no cached models is asked for its /models first (bounded), so an OPENAI_BASE_URL-only
   * setup answers its first message.
   */
  async select(request: ModelRequest): Promise<{ provider: Provider; model: string }> {
    const providers = this.list();
    if (providers.length === 0) {
      throw new ApiError('provider_not_configured', 'No model provider is configured. Add one in Settings, or set OPENAI_BASE_URL and OPENAI_API_KEY.');
    }
    const { mode, requested, policy } = request;
    const pinned = policy.provider_id ? providers.find((p) => p.id === policy.provider_id) : undefined;
    const scope = pinned ? [pinned] : providers;
    const home = pinned ?? this.#defaultProvider(providers);
    const providerOf = async (model: string) => pinned ?? (await this.#lister(scope, model)) ?? home;

    if (!requested) {
      if (policy.model) return { provider: await providerOf(policy.model), model: policy.model };
      // A provider's own chat default needs no list (and no /models request) outside deep_think.
      const own = home.default_model;
      const listed = own && isChatCapable(own) && mode !== 'deep_think' ? null : await this.knownModels(home);
      const model = pickDefaultModel(mode, home.kind, listed, own);
      if (model) return { provider: home, model };
      // Its models could not be asked for: say why (no key, a locked keychain, offline …), with
      // that error's own code, so the student is sent to the real problem, not "set up a model".
      const why = this.#listErrors.get(home.id);
      if (why) throw new ModelsUnreadable(why.code, `'${home.name}' has no model configured, and its model list could not be read: ${why.detail}`);
      throw new ApiError('provider_not_configured', `Provider '${home.name}' has no model configured. Pick a model in Settings.`);
    }

    if (requested === policy.model) return { provider: await providerOf(requested), model: requested };
    if (policy.models?.length) {
      if (!policy.models.includes(requested)) throw this.#notAllowed(mode, requested, unique([...policy.models, ...(policy.model ? [policy.model] : [])]));
      return { provider: await providerOf(requested), model: requested };
    }
    if (isChatCapable(requested)) {
      const provider = (await this.#lister(scope, requested)) ?? (await this.#lister(scope, requested, true));
      if (provider) return { provider, model: requested };
      // Only a provider whose list cannot be known is left: let it answer (or say it does not know the model).
      const unknown = [home, ...scope].find((p) => this.#peek(p) === null);
      if (unknown) return { provider: unknown, model: requested };
    }
    const allowed = unique([...(policy.model ? [policy.model] : []), ...scope.flatMap((p) => this.#peek(p) ?? []).filter(isChatCapable)]);
    throw this.#notAllowed(mode, requested, allowed);
  }

  /**
   * The provider an existing session's model goes to: the one it used, if still configured, else
   * one that lists the model, else the default provider. No allow-list check: the model was
   * allowed when the session chose it.
   */
  async route(model: string, providerId: string | undefined): Promise<Provider> {
    const providers = this.list();
    if (providers.length === 0) {
      throw new ApiError('provider_not_configured', 'No model provider is configured. Add one in Settings, or set OPENAI_BASE_URL and OPENAI_API_KEY.');
    }
    return providers.find((p) => p.id === providerId) ?? (await this.#lister(providers, model)) ?? this.#defaultProvider(providers);
  }

  /**
   * A provider's models as far as we know them: those configured in settings and the last list
   * its /models gave (cached). With neither, or with `refresh`, /models is asked (bounded, and
   * one request at a time per provider); null when there is still nothing to go on.
   */
  async knownModels(provider: Provider, refresh = false): Promise<string[] | null> {
    let cached = this.#cachedList(provider.id);
    if (refresh || (cached === null && provider.models.length === 0)) {
      try {
        cached = (await this.listModels(provider.id)).models;
        this.#listErrors.delete(provider.id);
      } catch (error) {
        this.#listErrors.set(provider.id, error instanceof ApiError ? error : new ApiError('upstream_error', 'the request failed'));
      }
    }
    if (cached === null && provider.models.length === 0) return null;
    return unique([...provider.models, ...(cached ?? [])]);
  }

  /** knownModels without asking /models. */
  #peek(provider: Provider): string[] | null {
    const cached = this.#cachedList(provider.id);
    return cached === null && provider.models.length === 0 ? null : unique([...provider.models, ...(cached ?? [])]);
  }

  /** What each mode would use with this provider when nothing is chosen, and what it allows. */
  choicesFor(provider: Provider, listed: readonly string[] | null): { defaults: Partial<Record<Mode, string>>; allowed: Partial<Record<Mode, string[]>> } {
    const policies = this.#settings.get().policies;
    const defaults: Partial<Record<Mode, string>> = {};
    const allowed: Partial<Record<Mode, string[]>> = {};
    for (const mode of MODES) {
      const policy = policies[mode] ?? {};
      const own = !policy.provider_id || policy.provider_id === provider.id;
      const picked = own && policy.model ? policy.model : pickDefaultModel(mode, provider.kind, listed, provider.default_model);
      if (picked) defaults[mode] = picked;
      if (!own) allowed[mode] = [];
      else if (policy.models?.length) allowed[mode] = unique([...policy.models, ...(policy.model ? [policy.model] : [])]);
      else allowed[mode] = unique([...(policy.model ? [policy.model] : []), ...(listed ?? []).filter(isChatCapable)]);
    }
    return { defaults, allowed };
  }

  /**
   * The provider in `scope` a model goes to: the first configured with it in settings, else the
   * first whose /models lists it (asked again when `refresh`).
   */
  async #lister(scope: readonly Provider[], model: string, refresh = false): Promise<Provider | undefined> {
    const configured = scope.find((p) => p.models.includes(model));
    if (configured) return configured;
    for (const p of scope) {
      const listed = await this.knownModels(p, refresh);
      if (listed?.includes(model)) return p;
    }
    return undefined;
  }

  #cachedList(providerId: string): string[] | null {
    if (!this.#lists.has(providerId)) this.#lists.set(providerId, this.#settings.getCache<string[]>(`models:${providerId}`)?.value ?? null);
    return this.#lists.get(providerId)!;
  }

  #defaultProvider(providers: readonly Provider[]): Provider {
    const defaultId = this.#settings.get().default_provider_id;
    return providers.find((p) => p.id === defaultId) ?? providers[0]!;
  }

  #notAllowed(mode: Mode, requested: string, allowed: readonly string[]): ApiError {
    const shown = allowed.slice(0, MAX_NAMED_MODELS).join(', ');
    const more = allowed.length > MAX_NAMED_MODELS ? ` (and ${allowed.length - MAX_NAMED_MODELS} more)` : '';
    const message = allowed.length
      ? `'${requested}' is not allowed in ${mode} mode; choose one of: ${shown}${more}`
      : `'${requested}' is not allowed in ${mode} mode, and no model is available for it`;
    return new ApiError('validation_error', `Invalid message: model: ${message}`, [{ path: 'model', message }]);
  }

  /**
   * Where a provider comes from: Settings (editable there), or the environment — OPENAI_BASE_URL /
   * OPENAI_API_KEY / STUDYLOG_MODEL, named in env_vars when set (never their values) — which
   * Settings shows read-only.
   */
  origin(providerId: string): { source: 'settings' | 'environment'; read_only: boolean; env_vars: string[] } {
    const fromEnv = providerId === ENV_PROVIDER_ID && !this.#settings.get().providers.some((p) => p.id === ENV_PROVIDER_ID);
    if (!fromEnv) return { source: 'settings', read_only: false, env_vars: [] };
    return { source: 'environment', read_only: true, env_vars: ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'STUDYLOG_MODEL'].filter((name) => Boolean(this.#env[name])) };
  }

  async info(): Promise<ProviderInfo[]> {
    return Promise.all(this.list().map(async (p) => ({ ...p, key_status: await this.#keyStatus(p) })));
  }

  /**
   * The API key for a provider, only if it may be sent to the provider's origin. Stays in the
   * main process: only clients built here use it.
   */
  async apiKey(provider: Provider): Promise<string> {
    const ref = provider.api_key_ref;
    if (ref.source === 'none') return NO_KEY;
    const origin = originOf(provider.base_url);
    if (!origin) throw new ApiError('provider_not_configured', `'${provider.name}' has no valid base URL.`);
    if (ref.source === 'env') return this.#envKey(provider, ref.var, origin, '');
    let keychainProblem = '';
    const cached = this.#keys.get(provider.id);
    if (cached && Date.now() - cached.at < KEY_CACHE_MS) return this.#bound(provider, cached, origin);
    if (this.#secrets) {
      try {
        const secret = await this.#secrets.get(provider.id);
        if (secret) {
          const entry = decodeKeychainEntry(secret);
          if (!entry) {
            throw new ApiError(
              'provider_not_configured',
              `The API key stored for '${provider.name}' was saved by an older Studylog without the address it is for, so it is not used. Enter the key again in Settings.`,
            );
          }
          this.#keys.set(provider.id, { ...entry, at: Date.now() });
          return this.#bound(provider, entry, origin);
        }
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'keychain_unavailable')) throw error;
        keychainProblem = error.detail;
      }
    }
    if (this.#env[envKeyName(provider.id)]) return this.#envKey(provider, envKeyName(provider.id), origin, keychainProblem);
    // The keychain itself is the problem: say so (with its ways out), not just "no key".
    if (keychainProblem) throw new ApiError('keychain_unavailable', keychainProblem);
    throw new ApiError(
      'provider_not_configured',
      `No API key for '${provider.name}': set it in Settings (it is kept in the system keychain) or, on a headless server, in ${envKeyName(provider.id)} with ${envBaseUrlName(provider.id)} set to its base URL.`,
    );
  }

  /** A key read from the keychain, if it was entered for this origin. */
  #bound(provider: Provider, entry: { origin: string; key: string }, origin: string): string {
    if (entry.origin === origin) return entry.key;
    throw new ApiError(
      'provider_not_configured',
      `The API key stored for '${provider.name}' was entered for another address (${entry.origin}); it is never sent to ${origin}. Enter the key again in Settings for the new address.`,
    );
  }

  /** A key from an environment variable, if that variable's documented destination is this origin. */
  #envKey(provider: Provider, name: string, origin: string, keychainProblem: string): string {
    const key = this.#env[name];
    const also = keychainProblem ? ` (${keychainProblem})` : '';
    if (!key) throw new ApiError('provider_not_configured', `No API key for '${provider.name}': the environment variable ${name} is not set.${also}`);
    const destination = envKeyDestination(name, this.#env);
    if ('refused' in destination) {
      throw new ApiError(
        'provider_not_configured',
        `The key in ${name} is not used for '${provider.name}': ${destination.refused}, so Studylog knows where it may be sent.${also}`,
      );
    }
    if (destination.origin !== origin) {
      throw new ApiError(
        'provider_not_configured',
        `The key in ${name} is only sent to ${destination.origin} (${destination.from}); '${provider.name}' points to ${origin}. Enter a key for this address in Settings, or change the provider back.${also}`,
      );
    }
    return key;
  }

  async setApiKey(providerId: string, key: string): Promise<void> {
    const provider = this.get(providerId);
    if (provider.api_key_ref.source !== 'keychain') {
      throw new ApiError('validation_error', `Provider '${provider.name}' does not keep its key in the keychain (api_key_ref is '${provider.api_key_ref.source}').`);
    }
    if (!key) throw new ApiError('validation_error', 'The API key must not be empty.', [{ path: 'api_key', message: 'must not be empty' }]);
    const origin = originOf(provider.base_url);
    if (!origin) throw new ApiError('validation_error', `'${provider.name}' has no valid base URL to bind the key to.`);
    if (!this.#secrets) throw new ApiError('keychain_unavailable', keychainUnavailableDetail('No system keychain is available to this process.', providerId));
    this.#keys.delete(provider.id);
    // The key is stored with the origin it is entered for: it is only ever sent there.
    await this.#secrets.set(provider.id, encodeKeychainEntry(origin, key));
  }

  async deleteApiKey(providerId: string): Promise<boolean> {
    this.get(providerId);
    return this.forgetKey(providerId);
  }

  /**
   * Removes a provider's stored key (the provider may already be gone from settings). Throws
   * keychain_unavailable when the keychain cannot be reached: the key may still be there.
   */
  async forgetKey(providerId: string): Promise<boolean> {
    this.#keys.delete(providerId);
    if (!this.#secrets) return false;
    return this.#secrets.delete(providerId);
  }

  /** An SDK client for the provider, with the provider's own timeout and retry budget. */
  async client(provider: Provider): Promise<{ client: OpenAI; secrets: string[] }> {
    const apiKey = await this.apiKey(provider);
    const cacheKey = JSON.stringify([provider.base_url, provider.timeout_ms, provider.max_retries, apiKey]);
    let client = this.#clients.get(cacheKey);
    if (!client) {
      if (this.#clients.size >= 20) this.#clients.clear(); // settings changed many times: start afresh
      // upstreamFetch: a lean transport under the SDK; no reply may be larger than a bound (upstream-fetch.ts).
      client = new OpenAI({ apiKey, baseURL: provider.base_url, timeout: provider.timeout_ms, maxRetries: provider.max_retries, logLevel: 'off', fetch: upstreamFetch() });
      this.#clients.set(cacheKey, client);
    }
    return { client, secrets: provider.api_key_ref.source === 'none' ? [] : [apiKey] };
  }

  /** The provider's models from its /models, cached for offline use; the cache when unreachable. */
  async listModels(providerId: string): Promise<ModelList> {
    // Messages arriving together on a fresh setup share one /models request.
    const inFlight = this.#listing.get(providerId);
    if (inFlight) return inFlight;
    const listing = this.#fetchModels(providerId).finally(() => this.#listing.delete(providerId));
    this.#listing.set(providerId, listing);
    return listing;
  }

  async #fetchModels(providerId: string): Promise<ModelList> {
    const provider = this.get(providerId);
    const { client, secrets } = await this.client(provider);
    try {
      const page = await client.models.list({ timeout: MODELS_TIMEOUT_MS, maxRetries: 0 });
      const models = page.data.map((m) => m.id).sort();
      this.#settings.setCache(`models:${provider.id}`, models);
      this.#lists.set(provider.id, models);
      return { provider_id: provider.id, models, cached: false, fetched_at: Date.now() };
    } catch (error) {
      const failure = upstreamError(error, { provider: provider.name, model: '', secrets });
      const cache = this.#settings.getCache<string[]>(`models:${provider.id}`);
      if (cache) return { provider_id: provider.id, models: cache.value, cached: true, fetched_at: cache.updated_at, error: failure };
      throw failure;
    }
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

  /** The environment's provider, built again only when the three variables it reads change (it was read and checked for every message). */
  #envProviderMade: { from: string; provider: Provider } | null = null;

  #envProvider(): Provider | null {
    const baseUrl = this.#env.OPENAI_BASE_URL;
    if (!baseUrl && !this.#env.OPENAI_API_KEY) return null;
    // An OPENAI_BASE_URL at a known provider's host gets that provider's kind (its per-mode defaults).
    const model = this.#env.STUDYLOG_MODEL;
    const from = JSON.stringify([baseUrl, !!this.#env.OPENAI_API_KEY, model]);
    if (this.#envProviderMade?.from !== from) this.#envProviderMade = { from, provider: this.#makeEnvProvider(baseUrl, model) };
    return this.#envProviderMade.provider;
  }

  #makeEnvProvider(baseUrl: string | undefined, model: string | undefined): Provider {
    return ProviderSchema.parse({
      id: ENV_PROVIDER_ID,
      name: baseUrl ? `Environment (${new URL(baseUrl).host})` : 'OpenAI (environment)',
      kind: baseUrl ? (presetForBaseUrl(baseUrl)?.kind ?? 'other') : 'openai',
      base_url: baseUrl ?? 'https://api.openai.com/v1',
      models: model ? [model] : [],
      ...(model ? { default_model: model } : {}),
      api_key_ref: this.#env.OPENAI_API_KEY ? { source: 'env', var: 'OPENAI_API_KEY' } : { source: 'none' },
    });
  }
}
