/**
 * Study templates per user: the built-in ones (src/shared/templates.ts) and each user's own
 * copies. Settings are one document per installation that only an admin may change, while a
 * template is a student's own, so each user's copies live in their own `setting` row
 * (`templates:<user id>`: `{ [template id]: {name, text, updated_at} }`).
 */
import { createHash } from 'node:crypto';
import type { Language, PolicySnapshot, Template, TemplateSave } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { builtinTemplate, STUDY_TEMPLATES } from '../../../shared/templates.ts';
import type { Store } from '../db/connection.ts';
import type { WritableDB } from '../db/handles.ts';
import { putSetting } from '../db/setting-rows.ts';

type Copies = Record<string, { name: string; text: string; updated_at: number }>;
export type TemplateSnapshot = NonNullable<PolicySnapshot['template']>;

/** A student may keep this many templates of their own (besides their copies of the built-in ones). */
const MAX_OWN_TEMPLATES = 50;

const keyOf = (userId: string) => `templates:${userId}`;

export class TemplatesStore {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  #copies(userId: string): Copies {
    const row = this.#store.sqlite.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(keyOf(userId)) as string | undefined;
    if (!row) return {};
    try {
      const value = JSON.parse(row) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as Copies) : {};
    } catch {
      return {};
    }
  }

  /** The built-in templates (with the user's copy, if any), then the user's own, by name. */
  list(userId: string): Template[] {
    const copies = this.#copies(userId);
    const builtins = STUDY_TEMPLATES.map((t) => ({ id: t.id, version: t.version, builtin: true, name: t.name, text: t.text, custom: copies[t.id] ?? null }));
    const own = Object.entries(copies)
      .filter(([id]) => !builtinTemplate(id))
      .map(([id, copy]) => ({ id, version: null, builtin: false, name: { 'zh-CN': '', en: '' }, text: { 'zh-CN': '', en: '' }, custom: copy }))
      .sort((a, b) => a.custom.name.localeCompare(b.custom.name));
    return [...builtins, ...own];
  }

  /** Saves the user's text for a built-in template, or a template of their own. */
  save(db: WritableDB, userId: string, input: TemplateSave): Template {
    const copies = this.#copies(userId);
    const builtin = builtinTemplate(input.id);
    if (!builtin && !input.name && !copies[input.id]) {
      throw new ApiError('validation_error', 'Invalid template: name: a new template needs a name', [{ path: 'name', message: 'a new template needs a name' }]);
    }
    const own = Object.keys(copies).filter((id) => !builtinTemplate(id));
    if (!builtin && !copies[input.id] && own.length >= MAX_OWN_TEMPLATES) {
      throw new ApiError('validation_error', `Invalid template: id: at most ${MAX_OWN_TEMPLATES} templates of your own; delete one first`, [
        { path: 'id', message: `at most ${MAX_OWN_TEMPLATES} templates of your own` },
      ]);
    }
    // A copy of a built-in keeps the built-in's name (in each language) unless the student names it.
    const name = input.name ?? copies[input.id]?.name ?? '';
    putSetting(db, keyOf(userId), { ...copies, [input.id]: { name, text: input.text, updated_at: Date.now() } });
    return this.list(userId).find((t) => t.id === input.id)!;
  }

  /** Forgets the user's copy (a built-in returns to its own text; their own template is gone). */
  remove(db: WritableDB, userId: string, id: string): boolean {
    const copies = this.#copies(userId);
    if (!copies[id]) {
      if (builtinTemplate(id)) return false;
      throw new ApiError('not_found', `There is no template '${id}'.`);
    }
    const { [id]: _gone, ...rest } = copies;
    putSetting(db, keyOf(userId), rest);
    return true;
  }

  /** What a new session records of the template (and sends): the user's text if they edited it. */
  snapshot(userId: string, id: string, language: Language): TemplateSnapshot {
    const copy = this.#copies(userId)[id];
    const builtin = builtinTemplate(id);
    if (copy) {
      // Versioned by content, as a custom system prompt is: the snapshot says exactly which text.
      const version = `custom-${createHash('sha256').update(copy.text).digest('hex').slice(0, 12)}`;
      return { id, version, language, name: copy.name || builtin?.name[language] || id, text: copy.text, edited: true };
    }
    if (builtin) return { id, version: builtin.version, language, name: builtin.name[language], text: builtin.text[language], edited: false };
    throw new ApiError('validation_error', `Invalid message: template_id: there is no template '${id}'`, [{ path: 'template_id', message: 'no such template' }]);
  }
}
