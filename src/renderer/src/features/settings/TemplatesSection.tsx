/**
 * Study templates in Settings, for every user: the built-in ones (edit your copy, restore the
 * original) and your own (new, edit, delete). A template's text goes after the mode's system
 * prompt of the conversations you start with it (picked beside "new chat").
 */
import { Pencil, Plus, RotateCcw, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Template } from '../../../../shared/api/schemas.ts';
import { MAX_TEMPLATE_NAME, MAX_TEMPLATE_TEXT } from '../../../../shared/templates.ts';
import { useRouteMutation, useRouteQuery } from '../../data/queries.tsx';
import { ErrorText } from '../../ui/ErrorText.tsx';

interface Draft {
  id: string;
  name: string;
  text: string;
  /** A built-in's name may stay empty (it then keeps the built-in's). */
  builtin: boolean;
}

export function TemplatesSection() {
  const { t, i18n } = useTranslation();
  const language = i18n.language === 'en' ? 'en' : 'zh-CN';
  const templates = useRouteQuery('listTemplates', {});
  const save = useRouteMutation('saveTemplate');
  const remove = useRouteMutation('deleteTemplate');
  const [draft, setDraft] = useState<Draft | null>(null);

  const nameOf = (tpl: Template) => tpl.custom?.name || tpl.name[language];
  const edit = (tpl: Template) => setDraft({ id: tpl.id, name: tpl.custom?.name ?? '', text: tpl.custom?.text ?? tpl.text[language], builtin: tpl.builtin });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!draft) return;
    const name = draft.name.trim();
    if ((await save.run({ id: draft.id, text: draft.text, ...(name ? { name } : {}) })) !== null) setDraft(null);
  };

  return (
    <section className="card settings-section" id="set-templates" aria-labelledby="templates-title" data-testid="templates-section">
      <h2 id="templates-title" className="section-title">
        {t('templates.title')}
      </h2>
      <p className="muted">{t('templates.help')}</p>
      <ErrorText error={templates.error ?? save.error ?? remove.error} />
      <ul className="rows">
        {(templates.data ?? []).map((tpl) => (
          <li key={tpl.id} className="row" data-template-id={tpl.id}>
            <span className="row-main">
              <span className="row-title">
                {nameOf(tpl)} {tpl.custom ? <span className="badge">{tpl.builtin ? t('templates.edited') : t('templates.own')}</span> : null}
              </span>
              <span className="row-sub muted template-preview">{tpl.custom?.text ?? tpl.text[language]}</span>
            </span>
            <span className="row-actions">
              <button type="button" className="btn btn-small" onClick={() => edit(tpl)} data-testid="template-edit">
                <Pencil size={14} aria-hidden="true" /> {t('templates.edit')}
              </button>
              {tpl.custom ? (
                <button type="button" className="btn btn-small" onClick={() => void remove.run({ id: tpl.id })} data-testid="template-reset">
                  {tpl.builtin ? <RotateCcw size={14} aria-hidden="true" /> : <Trash2 size={14} aria-hidden="true" />} {tpl.builtin ? t('templates.reset') : t('templates.delete')}
                </button>
              ) : null}
            </span>
          </li>
        ))}
      </ul>
      {draft ? (
        <form className="template-form" onSubmit={(e) => void submit(e)} data-testid="template-form">
          <label className="field">
            <span className="field-label">{t('templates.name')}</span>
            <input
              value={draft.name}
              onChange={(e) => setDraft({ ...draft, name: e.target.value })}
              maxLength={MAX_TEMPLATE_NAME}
              required={!draft.builtin}
              placeholder={draft.builtin ? nameOf(templates.data?.find((x) => x.id === draft.id) ?? ({ name: { 'zh-CN': '', en: '' } } as Template)) : ''}
              data-testid="template-name"
            />
          </label>
          <label className="field">
            <span className="field-label">{t('templates.text')}</span>
            <textarea
              value={draft.text}
              onChange={(e) => setDraft({ ...draft, text: e.target.value })}
              rows={6}
              maxLength={MAX_TEMPLATE_TEXT}
              required
              data-testid="template-text"
            />
          </label>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={save.busy || !draft.text.trim()} data-testid="template-save">
              {t('common.save')}
            </button>
            <button type="button" className="btn" onClick={() => setDraft(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <button
          type="button"
          className="btn btn-small"
          onClick={() => setDraft({ id: `my-${Date.now().toString(36)}`, name: '', text: '', builtin: false })}
          data-testid="template-add"
        >
          <Plus size={14} aria-hidden="true" /> {t('templates.add')}
        </button>
      )}
    </section>
  );
}
