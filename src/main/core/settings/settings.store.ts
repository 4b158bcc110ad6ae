/**
 * Settings live in the `setting` table as JSON documents: one `settings` document (providers,
 * policy overrides, prices, language) and cache entries such as each provider's model list.
 * Nothing secret is ever stored here: the schema has no field for a key and refuses one.
 */
import { eq } from '../db/drizzle.ts';
import { SettingsSchema, type Settings } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { parseInput } from '../../../shared/validation.ts';
import type { Store } from '../db/connection.ts';
import { dataVersion } from '../db/data-version.ts';
import { setting } from '../db/schema.ts';
import { putSetting } from '../db/setting-rows.ts';

const SETTINGS_KEY = 'settings';

/** Any property that looks like a secret, at any depth: settings must never carry one. */
function findSecretField(value: unknown, path: string[] = []): string | null {
  if (!value || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    if (/^(api_?key|apiKey|secret|password|token)$/i.test(key)) return [...path, key].join('.');
    const found = findSecretField(child, [...path, key]);
    if (found) return found;
  }
  return null;
}

export class SettingsStore {
  readonly #store: Store;
  readonly #listeners = new Set<(settings: Settings) => void>();
  /** Parsed settings, valid while no other connection has committed (PRAGMA data_version). */
  #cache: { settings: Settings; dataVersion: number } | undefined;

  constructor(store: Store) {
    this.#store = store;
  }

  /** The current settings. Read on every message, so parsed once and cached until they change. */
  get(): Settings {
    const version = dataVersion(this.#store.sqlite);
    if (this.#cache?.dataVersion === version) return this.#cache.settings;
    const row = this.#store.orm.select().from(setting).where(eq(setting.key, SETTINGS_KEY)).get();
    const settings = SettingsSchema.parse(row?.value ?? {});
    this.#cache = { settings, dataVersion: version };
    return settings;
  }

  /** Merges top-level fields into the settings, validates the result, and stores it whole. */
  update(patch: Partial<Record<keyof Settings, unknown>>): Settings {
    const next = this.preview(patch);
    this.#put(SETTINGS_KEY, next);
    this.#cache = undefined;
    for (const listener of this.#listeners) listener(next);
    return next;
  }

  /** What `update(patch)` would store, validated, without storing it (callers check it first). */
  preview(patch: Partial<Record<keyof Settings, unknown>>): Settings {
    const secret = findSecretField(patch);
    if (secret) {
      throw new ApiError('validation_error', `Invalid settings: ${secret}: secrets are never stored in settings; API keys go to the system keychain.`, [
        { path: secret, message: 'secrets are never stored in settings' },
      ]);
    }
    const next = parseInput(SettingsSchema, { ...this.get(), ...patch }, 'settings');
    const ids = next.providers.map((p) => p.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate)
      throw new ApiError('validation_error', `Invalid settings: providers: the id '${duplicate}' is used twice`, [{ path: 'providers', message: `duplicate id ${duplicate}` }]);
    return next;
  }

  /** Called after every successful update (the desktop shell restarts its HTTP server on it). */
  subscribe(listener: (settings: Settings) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  getCache<T>(key: string): { value: T; updated_at: number } | null {
    const row = this.#store.orm
      .select()
      .from(setting)
      .where(eq(setting.key, `cache:${key}`))
      .get();
    return row ? { value: row.value as T, updated_at: row.updated_at } : null;
  }

  setCache(key: string, value: unknown): void {
    this.#put(`cache:${key}`, value);
  }

  #put(key: string, value: unknown): void {
    this.#store.transaction('save the settings', (db) => putSetting(db, key, value));
  }
}
