// Runs inside a private D-Bus session (see keychain.test.ts): exercises the real keychain through
// KeytarSecretStore and prints what happened as JSON.
import { KeytarSecretStore } from '../../src/main/core/secrets/keychain.ts';

const store = new KeytarSecretStore();
const account = process.argv[2] ?? 'probe';
const result: Record<string, unknown> = {};
try {
  result.before = await store.get(account);
  await store.set(account, 'fake-key-keychain-roundtrip-secret-42');
  result.afterSet = await store.get(account);
  result.deleted = await store.delete(account);
  result.afterDelete = await store.get(account);
} catch (error) {
  result.error = { code: (error as { code?: string }).code, detail: (error as { detail?: string }).detail };
}
process.stdout.write(JSON.stringify(result) + '\n');
