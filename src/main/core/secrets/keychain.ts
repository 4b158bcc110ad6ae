/**
 * The one door to the OS keychain (keytar: macOS Keychain, Windows Credential Vault, the Secret
 * Service on Linux). Service "studylog", account = provider id. A successor library
 * (@napi-rs/keyring, Electron safeStorage) would replace only this file.
 *
 * Errors never carry the secret, and a missing D-Bus / locked keyring becomes a clear
 * keychain_unavailable error instead of a crash.
 */
import { ApiError } from '../../../shared/errors.ts';

export const KEYCHAIN_SERVICE = 'studylog';

export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

type Keytar = {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
};

let keytarModule: Promise<Keytar> | undefined;

function loadKeytar(): Promise<Keytar> {
  // Loaded on first use: the native module is not needed by processes that never touch a key.
  keytarModule ??= import('@github/keytar').then((m) => (m.default ?? m) as Keytar);
  return keytarModule;
}

function unavailable(error: unknown): ApiError {
  const reason = error instanceof Error ? error.message : String(error);
  const hint = /D-Bus|DBUS|X11|org\.freedesktop\.secrets/i.test(reason)
    ? ' On Linux this needs a running Secret Service (GNOME Keyring or KWallet) on the session D-Bus; headless, set the key in an environment variable instead.'
    : '';
  return new ApiError('keychain_unavailable', `The system keychain is not reachable (${reason.split('\n')[0]}).${hint}`);
}

export class KeytarSecretStore implements SecretStore {
  async get(account: string): Promise<string | null> {
    try {
      return await (await loadKeytar()).getPassword(KEYCHAIN_SERVICE, account);
    } catch (error) {
      throw unavailable(error);
    }
  }

  async set(account: string, secret: string): Promise<void> {
    if (!secret) throw new ApiError('validation_error', 'The API key must not be empty.', [{ path: 'api_key', message: 'must not be empty' }]);
    try {
      await (await loadKeytar()).setPassword(KEYCHAIN_SERVICE, account, secret);
    } catch (error) {
      throw unavailable(error);
    }
  }

  async delete(account: string): Promise<boolean> {
    try {
      return await (await loadKeytar()).deletePassword(KEYCHAIN_SERVICE, account);
    } catch (error) {
      throw unavailable(error);
    }
  }
}
