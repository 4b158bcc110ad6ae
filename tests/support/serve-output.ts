// What `studylog serve` prints once it is up (src/main/cli.ts, serveBanner), read the way a person
// would: the URL, the one-time sign-in link, and on a data dir's first start the admin token
// (later starts say how to make one instead). The block follows the terminal's language, so a
// child started by a test gets an English locale (SERVE_LOCALE_ENV) and this parser reads English.

/** Added to a serve child's environment: English output whatever the machine's locale. */
export const SERVE_LOCALE_ENV: Record<string, string> = { LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '' };

const URL_LINE = /^Studylog is serving (http:\/\/\S+)(?: \(LAN: (http:\/\/\S+)\))?$/m;
const SIGNIN_LINE = /^Sign in: open this link in your browser \(works once, for \d+ minutes\): (http:\/\/\S+)$/m;
const TOKEN_LINE = /^Admin token \(shown only this once; keep it safe\): (slk_\S+)$/m;
const HINT_LINE = /^A token for scripts: npm run studylog -- token create .*$/m;

export interface ServeBlock {
  url: string;
  lanUrl: string | null;
  /** The sign-in link with its one-time code. */
  signinUrl: string;
  /** On the first start of a data dir; null later (then `hint` says how to make one). */
  adminToken: string | null;
  hint: string | null;
}

/** The block once it has been printed in full (its last line ended), else null. */
export function parseServeBlock(stdout: string): ServeBlock | null {
  const url = URL_LINE.exec(stdout);
  const signin = SIGNIN_LINE.exec(stdout);
  const token = TOKEN_LINE.exec(stdout);
  const hint = HINT_LINE.exec(stdout);
  const last = token ?? hint;
  if (!url || !signin || !last || !stdout.includes('\n', last.index)) return null;
  return { url: url[1]!, lanUrl: url[2] ?? null, signinUrl: signin[1]!, adminToken: token?.[1] ?? null, hint: hint?.[0] ?? null };
}
