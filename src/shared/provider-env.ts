/**
 * The environment variables a keychain provider falls back to where no keychain is reachable:
 * its key, and the base URL that key may be sent to (without it, the key is never used). Shared:
 * the server reads them, the app tells the student their exact names.
 */
export function providerEnvNames(providerId: string): { key: string; baseUrl: string } {
  const suffix = providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  return { key: `STUDYLOG_API_KEY_${suffix}`, baseUrl: `STUDYLOG_BASE_URL_${suffix}` };
}
