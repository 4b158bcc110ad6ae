import { BookOpen, NotebookPen, Plus } from 'lucide-react';
import { useEffect, useId, useMemo, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { MODES, type LANGUAGES } from '../../../../shared/api/vocabulary.ts';
import type { Mode, Template } from '../../../../shared/api/schemas.ts';
import { builtinTemplate } from '../../../../shared/templates.ts';
import { needsAssignment } from '../../../../shared/modes.ts';
import { modelInfo } from '../../../../shared/presets.ts';
import { useAssignments, useModels } from '../../app/server-state.ts';
import { useRouteMutation, useRouteQuery } from '../../data/queries.tsx';
import { ShortcutsButton } from '../../app/shortcuts.tsx';
import { formatCost, formatNumber } from '../../lib/format.ts';
import { useMoney } from '../../lib/prefs.ts';
import { hrefFor, navigate } from '../../lib/route.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { ModeBadge } from '../../ui/ModeBadge.tsx';
import { Spinner } from '../../ui/Spinner.tsx';
import { SetupPrompt, useNeedsSetup } from '../setup/SetupPrompt.tsx';
import { AssignmentPanel } from './AssignmentPanel.tsx';
import { ChatBanner } from './ChatBanner.tsx';
import { SidebarToggle } from './ConversationSidebar.tsx';
import { useChat } from './chat-context.tsx';
import { blockerOf } from './composer.ts';
import { sessionTotals } from './messages.ts';
import { isLocalReply, totalCost } from './cost.ts';
import { Composer } from './Composer.tsx';
import { MessageList } from './MessageList.tsx';
import { providerLabel } from '../setup/readiness.ts';

type Language = (typeof LANGUAGES)[number];

/** A template's name as the student sees it: their own name for it, else the built-in one. */
function templateName(tpl: Template, language: Language): string {
  return tpl.custom?.name || tpl.name[language];
}

/** What a built-in template is for and what to send (shared/templates.ts); null for one the student wrote. */
function templateHint(tpl: Template, language: Language): string | null {
  return builtinTemplate(tpl.id)?.hint[language] ?? null;
}

export function ChatScreen({ routeSessionId, routeTurnId = null }: { routeSessionId: string | null; routeTurnId?: string | null }) {
  const { t, i18n } = useTranslation();
  const chat = useChat();
  const { assignments } = useAssignments();
  const { models } = useModels();
  const state = useSyncExternalStore(chat.subscribe, chat.getState);
  // The session is server state: its title (the server names it after the first message), whether
  // it has ended, its model — read through the cache, so a rename or an end elsewhere shows here.
  const session = useRouteQuery('getSession', { id: state.sessionId ?? '' }, { enabled: state.sessionId !== null }).data ?? null;
  const money = useMoney();
  const templates = useRouteQuery('listTemplates', {}).data ?? [];
  const language: Language = i18n.language === 'en' ? 'en' : 'zh-CN';
  const sessionTemplate = session?.policy_snapshot.template ?? null;
  const pickedTemplate = state.templateId ? (templates.find((tpl) => tpl.id === state.templateId) ?? null) : null;
  const needsSetup = useNeedsSetup();
  const [setupOpen, setSetupOpen] = useState(false);
  const modeGroup = useId();

  // The URL names a session: open it unless it is the one on screen already.
  useEffect(() => {
    if (routeSessionId && routeSessionId !== chat.getState().sessionId) void chat.open(routeSessionId);
  }, [routeSessionId, chat]);

  const started = state.sessionId !== null || state.messages.length > 0;
  const assignment = assignments.find((a) => a.id === state.assignmentId) ?? null;
  const totals = sessionTotals(state.messages);
  const title = typeof session?.meta.title === 'string' ? session.meta.title : started ? t('chat.untitled') : t('chat.newChat');
  // The student's standing on the chat's assignment (the query AssignmentPanel reads too): out of
  // allowance, nothing more can be sent in this chat until the teacher raises it.
  const assignmentStatus = useRouteQuery('getAssignmentStatus', { id: state.assignmentId ?? '' }, { enabled: state.assignmentId !== null && assignment !== null });
  const blocker = blockerOf(state, session ?? undefined, assignmentStatus.data);
  // "Raised already? Check again": an assignment from the class hub is raised there, so this
  // laptop syncs first (the background sync may be a minute away). A caller who may not sync (a
  // LAN student, not the laptop's admin) still gets the status as this laptop has it.
  const syncHub = useRouteMutation('syncHub');
  const recheck = async () => {
    if (typeof assignment?.meta.hub_class_id === 'string') await syncHub.run({});
    await assignmentStatus.refetch();
  };
  const outOfAllowance = blocker === 'allowance' ? t('chat.allowanceBlocked') : blocker === 'daily_allowance' ? t('chat.dailyAllowanceBlocked') : null;
  const sessionModel = typeof session?.policy_snapshot.model === 'string' ? session.policy_snapshot.model : null;
  const assignmentRequired = needsAssignment(state.mode);
  // The modes the chosen assignment allows (its policy; none set: all). The server refuses the
  // others (mode_not_allowed), so the picker disables them and a new chat moves to an allowed one.
  const allowedModes: readonly Mode[] = assignment?.policy.allowed_modes?.length ? assignment.policy.allowed_modes : MODES;
  const firstAllowed = allowedModes.includes(state.mode) ? null : (allowedModes[0] ?? null);
  useEffect(() => {
    if (!started && firstAllowed) chat.setMode(firstAllowed);
  }, [started, firstAllowed, chat]);
  // What a message can do (versions): regenerating may pick any model the mode allows.
  const actions = useMemo(
    () => ({
      onRetry: (key: string) => chat.retry(key),
      onEdit: (key: string, text: string) => chat.edit(key, text),
      onRegenerate: (key: string, model: string | null) => chat.regenerate(key, model),
      onVersion: (turnId: string) => void chat.showVersion(turnId),
      models: [...new Set(models?.providers.flatMap((p) => p.allowed[state.mode] ?? []) ?? [])],
      isLocal: (providerId: string | null | undefined, model: string | null) => isLocalReply(models?.providers ?? [], providerId, model),
      // Retrying, editing and regenerating send too: out of allowance they wait, saying why.
      blocked: outOfAllowance,
    }),
    [chat, models, state.mode, outOfAllowance],
  );
  // The header's cost: free when every reply came from a local model; "price unknown" beside the
  // priced part when some reply has no price (never a bare "$0" for a cost we do not know).
  const cost = totalCost(state.messages, actions.isLocal);
  const costText = cost.allFree
    ? t('chat.free')
    : cost.unknown === 0
      ? formatCost(cost.cost, money)
      : cost.cost > 0
        ? t('chat.costPartlyUnknown', { cost: formatCost(cost.cost, money) })
        : t('chat.priceUnknown');
  // The model the next message goes to: the one picked, else the session's, else the mode's default.
  const modeProvider = models?.providers.find((p) => (p.allowed[state.mode]?.length ?? 0) > 0 && p.defaults[state.mode]);
  const nextModel = state.model || sessionModel || modeProvider?.defaults[state.mode] || '';
  const textOnly = !modelInfo(nextModel).images;

  const startNewChat = () => {
    chat.newChat();
    navigate('chat');
  };
  const pickMode = (mode: Mode) => {
    const wasStarted = chat.started;
    chat.setMode(mode);
    if (wasStarted) navigate('chat');
  };
  // The model may change between messages, so it stays choosable in the compact header too.
  // Compact, the session's model is named alone (the header has little room).
  const modelPicker = (className?: string) => (
    <select
      className={className}
      value={state.model}
      onChange={(e) => chat.setModel(e.target.value)}
      aria-label={t('chat.model')}
      // The whole name on hover, should a long one ever be cut.
      title={nextModel ? t('chat.modelTitle', { model: nextModel }) : t('chat.model')}
      data-testid="model-picker"
    >
      <option value="">{sessionModel ? (className ? sessionModel : t('chat.sessionModel', { model: sessionModel })) : t('chat.defaultModel')}</option>
      {/* Only what the mode allows (the server refuses anything else): never an embedding or speech model. */}
      {models?.providers.map((p) => (
        <optgroup key={p.id} label={providerLabel(p, t)}>
          {(p.allowed[state.mode] ?? []).map((m) => (
            <option key={`${p.id}/${m}`} value={m}>
              {m}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
  const pickAssignment = (id: string | null) => {
    const wasStarted = chat.started;
    chat.setAssignment(id);
    if (wasStarted) navigate('chat');
  };

  return (
    <section className="chat" aria-labelledby="chat-title">
      {/* Before the first message: the mode and assignment pickers. Once the session runs they are
          fixed, and the header shrinks to one line (mode, assignment, model) to leave room for the
          conversation; changing them means a new chat. */}
      <header className={started ? 'chat-header compact' : 'chat-header'} data-testid="chat-header">
        <div className="chat-title-row">
          <SidebarToggle />
          <h1 id="chat-title" className="chat-title" title={title}>
            {title}
          </h1>
          <span title={started ? t('chat.lockedHelp') : undefined}>
            <ModeBadge mode={state.mode} />
          </span>
          {state.assignmentId ? (
            <span className="chip chip-assignment" data-testid="assignment-chip" title={`${assignment?.title ?? state.assignmentId} · ${t('chat.assignmentChipTitle')}`}>
              <BookOpen size={13} aria-hidden="true" />
              <span className="chip-text">{assignment?.title ?? state.assignmentId}</span>
            </span>
          ) : null}
          {sessionTemplate ? (
            <span className="chip chip-template" data-testid="template-chip" title={t('templates.chipTitle', { name: sessionTemplate.name })}>
              <NotebookPen size={13} aria-hidden="true" />
              <span className="chip-text">{sessionTemplate.name}</span>
            </span>
          ) : null}
          {session?.ended_at ? <span className="badge">{t('history.ended')}</span> : null}
          {started ? modelPicker('chat-model-compact') : null}
          {/* One piece, right-aligned: in a narrow window it moves to a second line as a whole
              rather than push "new chat" off-screen or squeeze the title to nothing. */}
          <div className="chat-header-actions" data-testid="chat-header-actions">
            {totals.replies > 0 ? (
              <span className="session-totals" data-testid="session-totals" title={t('chat.sessionTotalsTitle')}>
                {t('chat.sessionTotals', { tokens: formatNumber(totals.tokens, i18n.language), cost: costText })}
              </span>
            ) : null}
            <ShortcutsButton />
            {/* The new chat's study template: chosen before its first message, by "new chat". */}
            {!started && templates.length > 0 ? (
              <label className="field field-inline template-field">
                <span className="field-label">{t('templates.title')}</span>
                <select
                  className="template-picker"
                  value={state.templateId ?? ''}
                  onChange={(e) => chat.setTemplate(e.target.value || null)}
                  title={t('templates.picker')}
                  data-testid="template-picker"
                >
                  <option value="">{t('templates.none')}</option>
                  {templates.map((tpl) => (
                    <option key={tpl.id} value={tpl.id}>
                      {templateName(tpl, language)}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            <button type="button" className="btn btn-small" onClick={startNewChat}>
              <Plus size={14} aria-hidden="true" />
              {t('chat.newChat')}
            </button>
          </div>
        </div>

        {!started ? (
          <>
            <div className="chat-pickers">
              <fieldset className="mode-picker">
                <legend className="visually-hidden">{t('chat.mode')}</legend>
                {MODES.map((mode) => (
                  <label
                    key={mode}
                    className={`mode-option${state.mode === mode ? ' selected' : ''}${allowedModes.includes(mode) ? '' : ' disabled'}`}
                    title={allowedModes.includes(mode) ? undefined : t('chat.modeNotAllowed', { title: assignment?.title ?? '' })}
                  >
                    <input
                      type="radio"
                      name={modeGroup}
                      value={mode}
                      checked={state.mode === mode}
                      disabled={!allowedModes.includes(mode)}
                      onChange={() => pickMode(mode)}
                      data-mode={mode}
                    />
                    <span className="mode-name">{t(`modes.${mode}.name`)}</span>
                    <span className="mode-desc">{t(`modes.${mode}.description`)}</span>
                  </label>
                ))}
              </fieldset>
              <div className="picker-column">
                <label className="field field-inline">
                  <span className="field-label">
                    {t('chat.assignment')}
                    {assignmentRequired ? (
                      <span className="required" aria-label={t('common.required')}>
                        {' '}
                        *
                      </span>
                    ) : null}
                  </span>
                  <select
                    value={state.assignmentId ?? ''}
                    onChange={(e) => pickAssignment(e.target.value || null)}
                    aria-describedby="assignment-help"
                    data-testid="assignment-picker"
                  >
                    <option value="">{assignmentRequired ? t('chat.chooseAssignment') : t('chat.noAssignment')}</option>
                    {assignments.map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.title}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field field-inline">
                  <span className="field-label">{t('chat.model')}</span>
                  {modelPicker()}
                </label>
              </div>
            </div>
            <p id="assignment-help" className="picker-help muted">
              {assignmentRequired ? t('chat.homeworkHelp') : t('chat.optionalAssignmentHelp')}
              {assignmentRequired && assignments.length === 0 ? (
                <>
                  {' '}
                  <a href={hrefFor('assignments')}>{t('chat.noAssignmentsYet')}</a>
                </>
              ) : null}
            </p>
          </>
        ) : null}
      </header>

      {state.assignmentId ? (
        <AssignmentPanel
          assignment={assignment}
          assignmentId={state.assignmentId}
          mode={state.mode}
          session={session}
          busy={blocker !== null}
          onMoreHelp={() => chat.moreHelp(t('homework.moreHelpMessage'))}
          onHandIn={(_sessionId, assignmentId) => navigate('handin', assignmentId)}
        />
      ) : null}

      <ChatBanner notice={state.notice} mode={state.mode} onDismiss={() => chat.dismissNotice()} />

      {state.loading ? (
        <div className="screen-loading">
          <Spinner />
        </div>
      ) : state.loadError ? (
        <div className="chat-empty">
          <ErrorText error={state.loadError} />
        </div>
      ) : state.messages.length === 0 && (needsSetup || setupOpen) ? (
        <SetupPrompt open={setupOpen} setOpen={setSetupOpen} />
      ) : state.messages.length === 0 && pickedTemplate ? (
        // A study template is picked: say what it is for and what to send, not the mode's blurb.
        <div className="chat-empty" data-testid="template-empty">
          <p className="chat-empty-title">{templateName(pickedTemplate, language)}</p>
          <p className="chat-empty-hint">{templateHint(pickedTemplate, language) ?? t('templates.ownHint')}</p>
          <p className="muted small">{t('templates.emptyMode', { mode: t(`modes.${state.mode}.name`) })}</p>
        </div>
      ) : state.messages.length === 0 ? (
        <div className="chat-empty">
          <p className="chat-empty-title">{t(`modes.${state.mode}.name`)}</p>
          <p className="muted">{t(`modes.${state.mode}.description`)}</p>
        </div>
      ) : (
        <MessageList
          messages={state.messages}
          sendingKey={state.sendingKey}
          actions={actions}
          focusTurnId={routeSessionId !== null && routeSessionId === state.sessionId ? routeTurnId : null}
        />
      )}

      <Composer
        blocker={blocker}
        sending={state.sendingKey !== null}
        textOnly={textOnly}
        onSend={(text, attachments) => chat.send(text, attachments, t('attachments.defaultMessage'))}
        onUpload={(name, data) => chat.uploadAttachment(name, data)}
        onStop={() => chat.stop()}
        onNewChat={startNewChat}
        onRecheck={() => void recheck()}
        returned={state.returned}
        onReturned={chat.tookReturned}
      />
    </section>
  );
}
