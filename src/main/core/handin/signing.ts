/**
 * The installation's hand-in signing key: Ed25519 (node:crypto), generated on the first hand-in
 * and kept in the system keychain like API keys (service "studylog", account SIGNING_KEY_ACCOUNT,
 * the private key as PKCS#8 DER in base64). Where no keychain is reachable a hand-in cannot be
 * signed, and says so; it is never signed with a key kept in plain text.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { ApiError } from '../../../shared/errors.ts';
import { KeychainUnavailableError, type SecretStore } from '../secrets/keychain.ts';

/** A colon cannot appear in a provider id, so this account never collides with a provider's key. */
export const SIGNING_KEY_ACCOUNT = 'handin:signing-key';

export interface SigningKey {
  privateKey: KeyObject;
  /** SPKI DER, base64: what a bundle carries. */
  publicKey: string;
}

/**
 * signing_key_unavailable, not keychain_unavailable: that one is about API keys and points to
 * their environment variables, which do not exist for the signing key (it is never read from the
 * environment nor kept in plain text). Says what is missing and what whoever runs this Studylog
 * can do: a keyring for the user it runs as, or hand in from the student's own laptop.
 */
const noKeychain = (why: string) =>
  new ApiError(
    'signing_key_unavailable',
    `The hand-in could not be signed: the computer running Studylog has no usable system keychain (${why}), and the installation's signing key is kept only there. ` +
      'Your draft is kept. Whoever runs this Studylog: start a Secret Service (GNOME Keyring or KWallet, unlocked) for the user it runs as, ' +
      "or hand in from Studylog on the student's own laptop; then hand in again.",
  );

/** What is missing, from the keychain's error (never its API-key advice). */
const missingFrom = (error: unknown, fallback: string): string =>
  error instanceof KeychainUnavailableError ? error.missing : error instanceof Error ? error.message.split('\n')[0]!.slice(0, 200) : fallback;

export function publicKeyOf(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
}

/** The key, made and stored on first use. Concurrent first calls in one process share one key. */
export class SigningKeys {
  readonly #secrets: SecretStore | null;
  #loading: Promise<SigningKey> | null = null;

  constructor(secrets: SecretStore | null) {
    this.#secrets = secrets;
  }

  get(): Promise<SigningKey> {
    this.#loading ??= this.#load().catch((error: unknown) => {
      this.#loading = null; // a locked keyring may be unlocked by the next try
      throw error;
    });
    return this.#loading;
  }

  async #load(): Promise<SigningKey> {
    const secrets = this.#secrets;
    if (!secrets) throw noKeychain('this Studylog runs without a keychain');
    let stored: string | null;
    try {
      stored = await secrets.get(SIGNING_KEY_ACCOUNT);
    } catch (error) {
      throw noKeychain(missingFrom(error, 'the keychain could not be reached'));
    }
    if (stored) {
      const privateKey = createPrivateKey({ key: Buffer.from(stored, 'base64'), format: 'der', type: 'pkcs8' });
      return { privateKey, publicKey: publicKeyOf(privateKey) };
    }
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      await secrets.set(SIGNING_KEY_ACCOUNT, privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'));
    } catch (error) {
      throw noKeychain(missingFrom(error, 'the keychain refused to store the key'));
    }
    return { privateKey, publicKey: publicKeyOf(privateKey) };
  }
}

export function signText(privateKey: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64');
}

/** False for a bad signature and for a key or signature that cannot be read. */
export function verifyText(publicKeyB64: string, text: string, signatureB64: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, Buffer.from(text, 'utf8'), key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

/** sha256 of the key's DER bytes, the first 16 bytes in 4-hex groups (`3f2a 91c0 …`). */
export function keyFingerprint(publicKeyB64: string): string {
  const hex = createHash('sha256').update(Buffer.from(publicKeyB64, 'base64')).digest('hex').slice(0, 32);
  return hex.match(/.{4}/g)!.join(' ');
}
