/**
 * The desktop's embedded HTTP server (the same one `studylog serve` runs), driven by settings:
 * off unless `server.enabled`; 127.0.0.1 unless `server.lan`; restarted when a server setting
 * changes. Changes are applied one at a time, in order.
 */
import type { ServerSettings } from '../../shared/api/schemas.ts';
import type { Core } from '../core/app.ts';
import { startHttpServer, type HttpServerOptions, type RunningHttpServer } from '../core/http/server.ts';

export interface EmbeddedServerOptions {
  /** The built renderer, served at / to browsers on this machine or the LAN. */
  staticDir: string | null;
  log?: (message: string) => void;
  start?: (options: HttpServerOptions) => Promise<RunningHttpServer>;
}

export class EmbeddedServer {
  readonly #core: Core;
  readonly #options: EmbeddedServerOptions;
  #running: RunningHttpServer | null = null;
  /** The settings the running server was started with ('off' when none runs). */
  #applied = 'off';
  #queue: Promise<void> = Promise.resolve();

  constructor(core: Core, options: EmbeddedServerOptions) {
    this.#core = core;
    this.#options = options;
  }

  /** The running server's URL, or null. */
  get url(): string | null {
    return this.#running?.url ?? null;
  }

  /** Starts, stops or restarts the server to match `settings`; resolves when done. Never rejects. */
  apply(settings: ServerSettings): Promise<void> {
    this.#queue = this.#queue.then(() => this.#apply(settings));
    return this.#queue;
  }

  /** Stops the server gracefully (answers in progress may finish). */
  close(): Promise<void> {
    return this.apply({ enabled: false, lan: false, port: 0, cors_origins: [] });
  }

  async #apply(settings: ServerSettings): Promise<void> {
    const wanted = settings.enabled ? JSON.stringify({ lan: settings.lan, port: settings.port, cors: settings.cors_origins }) : 'off';
    if (wanted === this.#applied) return;
    const log = this.#options.log ?? ((message: string) => console.error(message));
    if (this.#running) {
      const running = this.#running;
      this.#running = null;
      this.#applied = 'off';
      await running.close().catch((error: unknown) => log(`studylog: stopping the HTTP server failed: ${String(error)}`));
    }
    if (!settings.enabled) return;
    try {
      this.#running = await (this.#options.start ?? startHttpServer)({
        core: this.#core,
        port: settings.port,
        lan: settings.lan,
        corsOrigins: settings.cors_origins,
        staticDir: this.#options.staticDir,
      });
      this.#applied = wanted;
      log(`studylog: serving ${this.#running.url}${this.#running.lanUrl ? ` (LAN: ${this.#running.lanUrl})` : ''}`);
    } catch (error) {
      // e.g. the port is taken: the app keeps working; a later settings change tries again.
      log(`studylog: could not start the HTTP server on port ${settings.port}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
