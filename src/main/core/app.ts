/**
 * The core, assembled: one database, its repositories and the services over them. Both entry
 * points (the Electron shell and the headless `studylog serve`) and the tests build it here.
 */
import path from 'node:path';
import type { Language, User } from '../../shared/api/schemas.ts';
import { TesseractOcr, type Ocr } from './attachments/ocr.ts';
import { AttachmentService } from './attachments/service.ts';
import { SigninCodes } from './auth/signin-codes.ts';
import { LearnerSummaries } from './learner-summary.ts';
import { databaseFile } from './config.ts';
import { AssignmentsRepo } from './db/assignments.repo.ts';
import { AttachmentsRepo } from './db/attachments.repo.ts';
import { openDatabase, type OpenOptions, type Store } from './db/connection.ts';
import { SessionsRepo } from './db/sessions.repo.ts';
import { TurnsRepo } from './db/turns.repo.ts';
import { UsageRepo } from './db/usage.repo.ts';
import { UsersRepo } from './db/users.repo.ts';
import { HandinService } from './handin/handin.service.ts';
import { SigningKeys } from './handin/signing.ts';
import type { DailyAllowance } from './llm/assignment-policy.ts';
import { ProviderRegistry } from './llm/providers.ts';
import { ProxyService } from './llm/proxy.service.ts';
import type { SecretStore } from './secrets/keychain.ts';
import { acquireServingLock } from './serving-lock.ts';
import { SettingsStore } from './settings/settings.store.ts';
import { hubDailyAllowance } from './sync/allowances.ts';
import { HubLink } from './sync/link.ts';
import { TemplatesStore } from './settings/templates.store.ts';

export interface CoreOptions {
  dataDir: string;
  /** The keychain, or null where none is reachable (keys then come from the environment). */
  secrets: SecretStore | null;
  env?: NodeJS.ProcessEnv;
  defaultLanguage?: Language;
  flushIntervalMs?: number;
  open?: OpenOptions;
  /**
   * This process answers messages (the desktop app, `studylog serve`): at start, repair what a
   * stopped one left half-written. One-shot commands leave it off, or a `token list` run beside
   * a running server would mark the server's answers in progress as interrupted. Takes the data
   * directory's serving lock: a second serving process is refused (serving-lock.ts).
   */
  recover?: boolean;
  /** One-time sign-in codes (tests pass their own, with a clock). */
  signinCodes?: SigninCodes;
  /** After a session's first answer, ask its model for a short title (llm/model-title.ts). The app and `studylog serve` turn it on. */
  modelTitles?: boolean;
  /** Run the daily jobs (the learner summary) on a timer: the serving process (desktop app, `studylog serve`). */
  dailyJobs?: boolean;
  /**
   * Sync with the class hub in the background while joined (sync/link.ts): the serving process
   * (desktop app, `studylog serve`). A number is the interval in ms (tests); true, the default one.
   */
  hubSync?: boolean | number;
  /** The OCR of attached images (default: tesseract.js, its language files gathered in `<dataDir>/ocr`). */
  ocr?: Ocr;
}

export interface Core {
  store: Store;
  sessions: SessionsRepo;
  turns: TurnsRepo;
  assignments: AssignmentsRepo;
  users: UsersRepo;
  usage: UsageRepo;
  settings: SettingsStore;
  /** Study templates: the built-in ones and each user's own copies. */
  templates: TemplatesStore;
  providers: ProviderRegistry;
  proxy: ProxyService;
  /** The learner summary: per student and day (learner-summary.ts). */
  learnerSummaries: LearnerSummaries;
  /** Photos and PDFs on messages (README "Attachments"). */
  attachments: AttachmentService;
  /** Hand-ins: drafts, signed bundles, imports, the teacher's review. */
  handin: HandinService;
  /** This laptop's link to a class hub: join, sync state, sync now, the background sync. */
  hub: HubLink;
  /** The person at the desktop (an admin); IPC calls act as them. */
  owner: User;
  /** One-time sign-in codes, in this process's memory only (`studylog serve` prints one). */
  signinCodes: SigninCodes;
  /** The class hub's daily allowance for a student on a class's assignment (sync/allowances.ts): what the proxy checks, what the assignment's status shows. */
  dailyAllowance: DailyAllowance;
  /** What start-up repaired: streams a killed process left open. */
  recovered: { assistant_turns: number; user_turns: number };
  close(): void;
}

export function createCore(options: CoreOptions): Core {
  const store = openDatabase(databaseFile(options.dataDir), options.open);
  let release = () => {};
  try {
    if (options.recover) release = acquireServingLock(options.dataDir);
    const sessions = new SessionsRepo(store);
    const turns = new TurnsRepo(store);
    const assignments = new AssignmentsRepo(store);
    const users = new UsersRepo(store);
    const settings = new SettingsStore(store);
    const usage = new UsageRepo(store);
    const templates = new TemplatesStore(store);
    const dailyAllowance = hubDailyAllowance(store);
    const providers = new ProviderRegistry({ settings, secrets: options.secrets, env: options.env ?? process.env });
    const ocr = options.ocr ?? new TesseractOcr(path.join(options.dataDir, 'ocr'));
    const attachments = new AttachmentService({ store, repo: new AttachmentsRepo(store), ocr });
    const proxy = new ProxyService({
      store,
      sessions,
      turns,
      settings,
      providers,
      assignments: (id) => assignments.get(id),
      registerAssignment: (db, id) => assignments.registerFromMessage(db, id),
      assignmentUse: (userId, assignmentId) => usage.assignmentUse(userId, assignmentId),
      dailyAllowance,
      templates: (userId, id, language) => templates.snapshot(userId, id, language),
      attachments,
      ...(options.defaultLanguage ? { defaultLanguage: options.defaultLanguage } : {}),
      ...(options.flushIntervalMs !== undefined ? { flushIntervalMs: options.flushIntervalMs } : {}),
      ...(options.modelTitles ? { modelTitles: true } : {}),
    });
    const owner = users.ensureOwner();
    const recovered = options.recover ? proxy.recoverInterrupted() : { assistant_turns: 0, user_turns: 0 };
    const learnerSummaries = new LearnerSummaries({ store, turns, sessions });
    if (options.dailyJobs) {
      learnerSummaries.startDaily();
      attachments.startCleanUp();
    }
    const hub = new HubLink({ store, secrets: options.secrets, ownerId: owner.id });
    if (options.hubSync) hub.start(typeof options.hubSync === 'number' ? options.hubSync : undefined);
    const close = () => {
      hub.stop();
      proxy.titles.close();
      learnerSummaries.stop();
      attachments.stop();
      // The OCR worker thread ends in the background (nothing of it is waited for).
      void ocr.close().catch(() => undefined);
      store.close();
      release();
    };
    const signinCodes = options.signinCodes ?? new SigninCodes();
    const handin = new HandinService({
      store,
      sessions,
      turns,
      assignments,
      users,
      settings,
      keys: new SigningKeys(options.secrets),
      attachments: attachments.repo,
      ...(options.defaultLanguage ? { defaultLanguage: options.defaultLanguage } : {}),
    });
    return {
      store,
      sessions,
      turns,
      assignments,
      users,
      usage,
      settings,
      templates,
      providers,
      proxy,
      learnerSummaries,
      attachments,
      handin,
      hub,
      owner,
      signinCodes,
      dailyAllowance,
      recovered,
      close,
    };
  } catch (error) {
    store.close();
    release();
    throw error;
  }
}
