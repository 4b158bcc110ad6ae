/**
 * Which parts of a settings change decide where keys and the API go, and so belong to the local
 * owner alone (Caller.local_owner): a provider's address or key reference (adding or removing a
 * provider that carries a key reference included) and the embedded server's exposure (on/off,
 * port, LAN, CORS origins). Everything else (names, models, policies, prices, language, theme,
 * a keyless provider's address) any admin may change.
 */
import type { Provider, Settings } from '../../../shared/api/schemas.ts';
import { originOf } from '../llm/providers.ts';

export interface DestinationChange {
  /** What the change touches that only the local owner may change, in words (for the error). */
  restricted: string[];
  /** Removed providers whose stored keychain key must go before the change is saved (else refused). */
  keysToForget: string[];
  /**
   * Moved providers, or ones that stop using the keychain: their key goes too, but if the keychain
   * cannot be reached the change still stands (the key is bound to its old origin: unusable).
   */
  keysToDrop: string[];
}

const carriesKey = (p: Provider | undefined) => !!p && p.api_key_ref.source !== 'none';
/**
 * A provider's whole address (origin, path, query; trailing slashes aside). A key is bound to its
 * origin (providers.ts), but on one origin a gateway may serve many accounts by path
 * (`…/accounts/<id>/…`): a keyed provider's path is the owner's to change too (attack probe).
 */
function addressOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${originOf(url)}${parsed.pathname.replace(/\/+$/, '')}${parsed.search}`;
  } catch {
    return url;
  }
}
const sameRef = (a: Provider, b: Provider) => JSON.stringify(a.api_key_ref) === JSON.stringify(b.api_key_ref);

export function destinationChanges(before: Settings, next: Settings): DestinationChange {
  const restricted: string[] = [];
  const keysToForget: string[] = [];
  const keysToDrop: string[] = [];
  const was = new Map(before.providers.map((p) => [p.id, p]));
  const now = new Map(next.providers.map((p) => [p.id, p]));
  for (const id of new Set([...was.keys(), ...now.keys()])) {
    const a = was.get(id);
    const b = now.get(id);
    const moved = !!a && !!b && originOf(a.base_url) !== originOf(b.base_url);
    if (carriesKey(a) || carriesKey(b)) {
      if (!a) restricted.push(`adding provider '${id}' with a key`);
      else if (!b) restricted.push(`removing provider '${id}'`);
      else if (moved) restricted.push(`moving provider '${id}' to another address`);
      else if (addressOf(a.base_url) !== addressOf(b.base_url)) restricted.push(`changing the path of provider '${id}'s address`);
      else if (!sameRef(a, b)) restricted.push(`changing where provider '${id}' takes its key from`);
    }
    // A removed provider's key must not outlive it (a provider re-added under its id must not find
    // it). A moved one's is bound to its old origin (providers.ts) and so unusable: dropped, best effort.
    if (a?.api_key_ref.source === 'keychain' && !b) keysToForget.push(id);
    else if (a?.api_key_ref.source === 'keychain' && (moved || b!.api_key_ref.source !== 'keychain')) keysToDrop.push(id);
  }
  if (JSON.stringify(before.server) !== JSON.stringify(next.server)) restricted.push('the LAN server settings (on/off, port, LAN access, CORS origins)');
  return { restricted, keysToForget, keysToDrop };
}
