/**
 * Local OCR with tesseract.js, Simplified Chinese and English together. The language data comes
 * from the npm packages @tesseract.js-data/chi_sim and @tesseract.js-data/eng: nothing is ever
 * downloaded. tesseract.js wants one folder (`langPath`) holding both `<lang>.traineddata.gz`, while
 * each package keeps its file in a folder of its own, so at first use they are copied together into
 * `<data dir>/ocr/` (once; a copy of the right size is reused).
 *
 * One worker (a worker thread running tesseract's WebAssembly), started at the first image and
 * kept: it recognizes one image at a time, in order. `close()` ends it.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Worker } from 'tesseract.js';

const LANGUAGES = ['chi_sim', 'eng'] as const;
/** The integer "best" LSTM models: as accurate as tesseract's best, several times smaller and faster. */
const MODEL_FOLDER = '4.0.0_best_int';
/**
 * Tesseract's init-only settings (a config file read after each language's own). chi_sim's data
 * names a sub-language to load as well (`tessedit_load_sublangs chi_sim_vert`, for vertical
 * text); that file is not in any package here, and tesseract's WebAssembly build asks for it
 * under a garbled name ("Error opening data file ./玂traineddata … Failed loading language '玂'",
 * printed to the terminal on every start). Set to nothing: only the languages above are loaded.
 */
const INIT_CONFIG = 'tessedit_load_sublangs \n';

export interface Ocr {
  recognize(image: Buffer): Promise<string>;
  close(): Promise<void>;
}

/** Copies the language files next to each other under `dir` (if not there already) and returns it. */
export function prepareLanguageFolder(dir: string): string {
  const load = createRequire(import.meta.url);
  fs.mkdirSync(dir, { recursive: true });
  for (const lang of LANGUAGES) {
    const source = path.join(path.dirname(load.resolve(`@tesseract.js-data/${lang}/package.json`)), MODEL_FOLDER, `${lang}.traineddata.gz`);
    const target = path.join(dir, `${lang}.traineddata.gz`);
    const have = fs.statSync(target, { throwIfNoEntry: false });
    if (have?.size === fs.statSync(source).size) continue;
    // Written beside, then renamed: a copy cut short (power loss) is never taken for a whole one.
    const partial = `${target}.${process.pid}.tmp`;
    fs.copyFileSync(source, partial);
    fs.renameSync(partial, target);
  }
  return dir;
}

/**
 * Tesseract puts spaces between CJK characters it recognized one by one ("数 学 作 业"): they are
 * removed between two CJK characters, kept between words of other scripts.
 */
export function tidyOcrText(text: string): string {
  const cjk = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}，。？！：；、（）';
  return text
    .replace(new RegExp(`(?<=[${cjk}])[ \\t]+(?=[${cjk}])`, 'gu'), '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export class TesseractOcr implements Ocr {
  readonly #langDir: string;
  #worker: Promise<Worker> | null = null;

  /** `langDir`: where the language files are gathered (e.g. `<data dir>/ocr`). */
  constructor(langDir: string) {
    this.#langDir = langDir;
  }

  async recognize(image: Buffer): Promise<string> {
    // tesseract.js is loaded with the first image, not with the app.
    this.#worker ??= import('tesseract.js').then(({ createWorker, OEM }) =>
      createWorker(
        [...LANGUAGES],
        OEM.LSTM_ONLY,
        {
          langPath: prepareLanguageFolder(this.#langDir),
          // Read the folder only: no copy of the unpacked data written to the working directory.
          cacheMethod: 'none',
          gzip: true,
        },
        INIT_CONFIG,
      ),
    );
    let worker: Worker;
    try {
      worker = await this.#worker;
    } catch (error) {
      this.#worker = null;
      throw error;
    }
    const { data } = await worker.recognize(image);
    return tidyOcrText(data.text);
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    if (worker) await (await worker).terminate();
  }
}
