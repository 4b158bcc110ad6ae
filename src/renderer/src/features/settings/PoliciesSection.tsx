import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { MODES } from '../../../../shared/api/vocabulary.ts';
import type { Mode, PolicyOverride } from '../../../../shared/api/schemas.ts';
import { useModels, useSaveSettings, useSettings } from '../../app/server-state.ts';
import { SaveActions, useSave } from './SaveActions.tsx';
import { providerLabel } from '../setup/readiness.ts';

/** Per mode: model, temperature and system prompt override the built-in policy; blank = default. */
export function PoliciesSection() {
  const { t } = useTranslation();
  return (
    <section className="card settings-section" id="set-policies" aria-labelledby="policies-title">
      <h2 id="policies-title" className="section-title">
        {t('settings.policies')}
      </h2>
      <p className="muted">{t('policies.help')}</p>
      <div className="policy-grid">
        {MODES.map((mode) => (
          <PolicyCard key={mode} mode={mode} />
        ))}
      </div>
    </section>
  );
}

const SEP = '\u0000';

/**
 * What the card's badge says. The setup wizard stores each mode's model (provider_id + model) in
 * its override; that is a choice of model, not a change to the mode's behaviour, so it reads
 * "model chosen". "Customised" is kept for anything else (temperature, prompt, output limits …).
 */
function policyBadge(override: PolicyOverride | undefined): 'defaults' | 'model' | 'customised' {
  if (!override) return 'defaults';
  const { provider_id: _p, model, ...rest } = override;
  const changed = Object.values(rest).some((v) => v !== undefined && v !== null);
  if (changed) return 'customised';
  return model ? 'model' : 'defaults';
}

function PolicyCard({ mode }: { mode: Mode }) {
  const { t } = useTranslation();
  const { settings } = useSettings();
  const saveSettings = useSaveSettings();
  const { models } = useModels();
  const current: PolicyOverride = settings?.policies[mode] ?? {};
  const [model, setModel] = useState(current.model ? `${current.provider_id ?? ''}${SEP}${current.model}` : '');
  const [temperature, setTemperature] = useState(current.temperature === undefined || current.temperature === null ? '' : String(current.temperature));
  const [prompt, setPrompt] = useState(current.system_prompt ?? '');
  const { error, saved, run } = useSave();
  if (!settings) return null;
  const overridden = settings.policies[mode] !== undefined;
  const badge = policyBadge(settings.policies[mode]);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const [providerId, modelName] = model ? model.split(SEP) : ['', ''];
    // Fields this form does not show (max output tokens, reasoning effort) stay as they were.
    const { provider_id: _p, model: _m, temperature: _t, system_prompt: _s, ...others } = current;
    const next: PolicyOverride = {
      ...others,
      ...(modelName ? { model: modelName, ...(providerId ? { provider_id: providerId } : {}) } : {}),
      ...(temperature.trim() !== '' ? { temperature: Number(temperature) } : {}),
      ...(prompt.trim() ? { system_prompt: prompt.trim() } : {}),
    };
    const policies = { ...settings.policies };
    if (Object.keys(next).length) policies[mode] = next;
    else delete policies[mode];
    await run(() => saveSettings({ policies }));
  };

  const reset = async () => {
    const policies = { ...settings.policies };
    delete policies[mode];
    await run(async () => {
      await saveSettings({ policies });
      setModel('');
      setTemperature('');
      setPrompt('');
    }, true);
  };

  return (
    <form className="policy-card" onSubmit={save} data-mode={mode}>
      <h3>
        {t(`modes.${mode}.name`)}{' '}
        {badge === 'defaults' ? (
          <span className="muted" data-testid="policy-badge" data-badge={badge}>
            {t('policies.defaults')}
          </span>
        ) : (
          <span className="badge" data-testid="policy-badge" data-badge={badge} title={badge === 'model' ? t('policies.modelChosenTitle') : undefined}>
            {badge === 'customised' ? t('policies.customised') : t('policies.modelChosen')}
          </span>
        )}
      </h3>
      <p className="muted small">{t(`modes.${mode}.description`)}</p>
      <label className="field">
        <span className="field-label">{t('chat.model')}</span>
        <select value={model} onChange={(e) => setModel(e.target.value)}>
          <option value="">{t('policies.defaultModel')}</option>
          {models?.providers.map((p) => (
            <optgroup key={p.id} label={providerLabel(p, t)}>
              {p.models.map((m) => (
                <option key={m} value={`${p.id}${SEP}${m}`}>
                  {m}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">{t('policies.temperature')}</span>
        <input type="number" min={0} max={2} step={0.1} value={temperature} onChange={(e) => setTemperature(e.target.value)} placeholder={t('policies.defaultPlaceholder')} />
      </label>
      <label className="field">
        <span className="field-label">{t('policies.systemPrompt')}</span>
        <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={4} maxLength={20_000} placeholder={t('policies.promptPlaceholder')} />
      </label>
      <SaveActions error={error} saved={saved}>
        <button type="button" className="btn btn-small" onClick={() => void reset()} disabled={!overridden}>
          {t('policies.reset')}
        </button>
      </SaveActions>
    </form>
  );
}
