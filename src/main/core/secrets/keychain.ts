/**
 * The one door to the OS keychain (keytar: macOS Keychain, Windows Credential Vault, the Secret
 * Service on Linux). Service "studylog", account = provider id. A successor library
 * (@napi-rs/keyring, Electron safeStorage) would replace only this file.
 *
 * Errors never carry the secret, and a missing D-Bus / locked keyring becomes a clear
 * keychain_unavailable error instead of a crash.
 */
import { ApiError } from '../../../shared/errors.ts';
import { providerEnvNames } from '../../../shared/provider-env.ts';

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

/** Environment variable a keychain-backed provider falls back to where no keychain is reachable. */
export function envKeyName(providerId: string): string {
  return providerEnvNames(providerId).key;
}

/** The variable naming where envKeyName's key may be sent (without it, that key is never used). */
export function envBaseUrlName(providerId: string): string {
  return providerEnvNames(providerId).baseUrl;
}

/** What is missing, from keytar's / libsecret's / D-Bus's own words. */
function whatIsMissing(reason: string): string {
  if (/libsecret|cannot open shared object|\.node\b|Cannot find module|ERR_DLOPEN|dlopen/i.test(reason)) {
    return 'the keychain library could not be loaded (libsecret is not installed)';
  }
  if (/locked|prompt|dismissed|unlock/i.test(reason)) return 'the keyring is locked';
  if (/org\.freedesktop\.secrets|ServiceUnknown|not provided by any \.service/i.test(reason)) {
    return 'no Secret Service (GNOME Keyring or KWallet) is running';
  }
  if (/D-?Bus|DBUS|X11|address is empty|autolaunch|Could not connect/i.test(reason)) return 'there is no D-Bus session to reach a keyring through';
  return 'the keychain refused the request';
}

/**
 * The detail of a keychain_unavailable error: what is missing and the two ways out (a keyring,
 * or the documented environment variables for this provider). Factual: the renderer shows its
 * own localized headline above it.
 */
export function keychainUnavailableDetail(what: string, providerId: string): string {
  const install =
    process.platform === 'linux'
      ? 'install or unlock a keyring (Debian/Ubuntu: sudo apt install gnome-keyring libsecret-1-0; Fedora: sudo dnf install gnome-keyring libsecret) and sign in to a desktop session'
      : 'unlock the system keychain';
  return (
    `The system keychain is not reachable: ${what}. Either ${install}, or set the key in the environment of Studylog: ` +
    `${envKeyName(providerId)}=<key> with ${envBaseUrlName(providerId)}=<the provider's base URL>. Keys are never stored in plain text.`
  );
}

/**
 * keychain_unavailable as the keychain raised it. `missing` is what is missing on its own (with
 * keytar's words), for a caller whose message is not about API keys (the hand-in signing key:
 * handin/signing.ts) and so must not repeat the provider's environment-variable advice.
 */
export class KeychainUnavailableError extends ApiError {
  readonly missing: string;

  constructor(missing: string, account: string) {
    super('keychain_unavailable', keychainUnavailableDetail(missing, account));
    this.missing = missing;
  }
}

function unavailable(error: unknown, account: string): ApiError {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
  return new KeychainUnavailableError(`${whatIsMissing(reason)} (${reason})`, account);
}

export class KeytarSecretStore implements SecretStore {
  async get(account: string): Promise<string | null> {
    try {
      return await (await loadKeytar()).getPassword(KEYCHAIN_SERVICE, account);
    } catch (error) {
      throw unavailable(error, account);
    }
  }

  async set(account: string, secret: string): Promise<void> {
    if (!secret) throw new ApiError('validation_error', 'The API key must not be empty.', [{ path: 'api_key', message: 'must not be empty' }]);
    try {
      await (await loadKeytar()).setPassword(KEYCHAIN_SERVICE, account, secret);
    } catch (error) {
      throw unavailable(error, account);
    }
  }

  async delete(account: string): Promise<boolean> {
    try {
      return await (await loadKeytar()).deletePassword(KEYCHAIN_SERVICE, account);
    } catch (error) {
      throw unavailable(error, account);
    }
  }
}
