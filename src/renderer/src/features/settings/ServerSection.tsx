import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useIdentity } from '../../app/identity.tsx';
import { useSaveSettings, useSettings } from '../../app/server-state.ts';
import { SaveActions, useSave } from './SaveActions.tsx';

export function ServerSection() {
  const { t } = useTranslation();
  const { transport } = useIdentity();
  const { settings } = useSettings();
  const saveSettings = useSaveSettings();
  const [enabled, setEnabled] = useState(settings?.server.enabled ?? false);
  const [lan, setLan] = useState(settings?.server.lan ?? false);
  const [port, setPort] = useState(String(settings?.server.port ?? 5123));
  const { error, saved, run } = useSave();
  if (!settings) return null;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    await run(() => saveSettings({ server: { ...settings.server, enabled, lan, port: Number(port) } }));
  };

  return (
    <section className="card settings-section" id="set-server" aria-labelledby="server-title">
      <h2 id="server-title" className="section-title">
        {t('settings.server')}
      </h2>
      <p className="muted">{t('server.help')}</p>
      {transport === 'http' ? <p className="notice">{t('server.headlessNote')}</p> : null}
      <form className="form" onSubmit={save}>
        <label className="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          {t('server.enabled')}
        </label>
        <label className="check">
          <input type="checkbox" checked={lan} onChange={(e) => setLan(e.target.checked)} disabled={!enabled} />
          {t('server.lan')}
        </label>
        {lan && enabled ? <p className="notice notice-warning">{t('server.lanWarning')}</p> : null}
        <label className="field field-narrow">
          <span className="field-label">{t('server.port')}</span>
          <input type="number" min={1024} max={65535} value={port} onChange={(e) => setPort(e.target.value)} required disabled={!enabled} />
        </label>
        <SaveActions error={error} saved={saved} />
      </form>
    </section>
  );
}
