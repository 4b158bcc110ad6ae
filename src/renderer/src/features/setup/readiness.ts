/**
 * Whether a model can answer, read from GET /models: what decides between the chat's empty state,
 * "set up a model", and the offline banner. Pure, so the unit tests check it without a browser.
 */
import type { RouteOutput } from '../../../../shared/api/routes.ts';
import type { Mode, Settings } from '../../../../shared/api/schemas.ts';
import { PROVIDER_PRESETS, modelInfo, type ProviderPreset } from '../../../../shared/presets.ts';
import { isLocalProvider } from '../chat/cost.ts';

export type ModelsInfo = RouteOutput<'listModels'>;
export type ProviderStatus = ModelsInfo['providers'][number];

/** Codes that mean "the provider did not answer" (as opposed to "it answered: no"). */
const UNREACHABLE = new Set(['upstream_unreachable', 'upstream_timeout']);

/**
 * The provider could not be reached when its models were last asked for: its fetch failed with a
 * connection error, or the list shown is the cached one (only a failed fetch falls back to the
 * cache). A provider never fetched, or one that answered "no key", is not offline.
 */
export function isProviderOffline(p: ProviderStatus): boolean {
  if (p.error) return UNREACHABLE.has(p.error.code);
  return p.cached;
}

/** A key where one is needed, and at least one model to send to (fetched, cached or typed). */
export function canAnswer(p: ProviderStatus): boolean {
  return p.key_status !== 'missing' && p.models.length > 0;
}

/** No provider can answer: the chat offers "set up a model" instead of its empty state. */
export function needsSetup(models: ModelsInfo | null): boolean {
  return models !== null && !models.providers.some(canAnswer);
}

/** The provider that answers `mode`: its policy's, else the default, else the first listed. */
export function activeProvider(models: ModelsInfo | null, settings: Settings | null, mode: Mode): ProviderStatus | null {
  if (!models || models.providers.length === 0) return null;
  const wanted = settings?.policies[mode]?.provider_id ?? settings?.default_provider_id ?? null;
  return models.providers.find((p) => p.id === wanted) ?? models.providers[0]!;
}

/** A provider id for a new provider of this preset: the preset's id, then id-2, id-3 … */
export function newProviderId(preset: ProviderPreset, taken: readonly string[]): string {
  if (!taken.includes(preset.id)) return preset.id;
  for (let n = 2; ; n++) if (!taken.includes(`${preset.id}-${n}`)) return `${preset.id}-${n}`;
}

/** The environment provider (OPENAI_BASE_URL / OPENAI_API_KEY): listed by GET /models, not in settings. */
export function envProvider(models: ModelsInfo | null): ProviderStatus | null {
  return models?.providers.find((p) => p.source === 'environment') ?? null;
}

/**
 * The model each mode starts with: the preset's default when the provider lists it (or when there
 * is no list to check against); otherwise the first chat model listed, and for deep_think the
 * first reasoning model (else the chat one).
 */
export function suggestedModels(preset: ProviderPreset, listed: readonly string[]): Record<Mode, string> {
  const usable = listed.filter((m) => modelInfo(m).kind !== 'non_chat');
  const firstChat = usable.find((m) => modelInfo(m).kind !== 'reasoning') ?? usable[0] ?? '';
  const firstReasoning = usable.find((m) => modelInfo(m).kind === 'reasoning') ?? firstChat;
  const pick = (mode: Mode, fallback: string) => {
    const preferred = preset.defaults[mode];
    if (preferred && (listed.length === 0 || listed.includes(preferred))) return preferred;
    return fallback;
  };
  return { chat: pick('chat', firstChat), homework: pick('homework', firstChat), deep_think: pick('deep_think', firstReasoning) };
}

/** The environment variables a keychain provider falls back to (the server reads the same names). */
export { providerEnvNames as envNames } from '../../../../shared/provider-env.ts';

/** How a provider is named on screen: the environment's provider by where it points, in the UI's language. */
export function providerLabel(p: Pick<ProviderStatus, 'name' | 'source' | 'base_url'>, t: (key: 'providers.envName', vars: { host: string }) => string): string {
  if (p.source !== 'environment') return p.name;
  let host = p.base_url;
  try {
    host = new URL(p.base_url).host;
  } catch {
    // keep the URL as it is
  }
  return t('providers.envName', { host });
}

export { PROVIDER_PRESETS };

/**
 * What the setup dialog says when the provider did not answer its test, and on the model step
 * that follows without a list (i18n keys under `setup.`). A server on this computer (Ollama, LM
 * Studio, any loopback address) is one the student starts — Ollama with `ollama serve`; a cloud
 * provider is reached over the network, and its recommended models are already filled in.
 */
export function offlineWords(
  preset: Pick<ProviderPreset, 'kind' | 'defaults'>,
  baseUrl: string,
): { unreachable: 'unreachable' | 'unreachableOllama' | 'unreachableCloud'; modelsTyped: 'modelsTyped' | 'modelsTypedCloud' | 'modelsTypedOther' } {
  if (isLocalProvider({ kind: preset.kind, base_url: baseUrl })) return { unreachable: preset.kind === 'ollama' ? 'unreachableOllama' : 'unreachable', modelsTyped: 'modelsTyped' };
  return { unreachable: 'unreachableCloud', modelsTyped: Object.keys(preset.defaults).length ? 'modelsTypedCloud' : 'modelsTypedOther' };
}
