// Study templates (issue 12, item 5): built-in ones in zh-CN and en, a student's own copies, and a
// new session's template in its policy_snapshot and in the system message sent upstream (the real
// openai SDK against the test server).
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/core/api/dispatch.ts';
import { DEFAULT_POLICIES } from '../../src/main/core/llm/policies.ts';
import { builtinTemplate } from '../../src/shared/templates.ts';
import { sendThroughDispatch, setupCore, TEST_CALLER } from '../support/core.ts';

const OTHER = { user_id: 'student-2', role: 'student' as const };

describe('study templates', () => {
  it('lists the four built-in templates in both languages', async () => {
    const core = await setupCore();
    const envelope = await dispatch(core, 'listTemplates', TEST_CALLER, {}, { validateOutput: true });
    const list = envelope.body as { id: string; name: Record<string, string>; custom: unknown }[];
    expect(list.map((t) => `${t.id}: ${t.name['zh-CN']} / ${t.name.en}`)).toEqual([
      'essay_feedback: 作文批改 / Essay feedback',
      'english_speaking: 英语口语陪练 / English conversation practice',
      'explain_mistake: 错题讲解 / Explain my mistake',
      'translate: 翻译 / Translate',
    ]);
    expect(list.every((t) => t.custom === null)).toBe(true);
  });

  it('seeds a new session’s system prompt and is recorded in its policy_snapshot', async () => {
    const core = await setupCore();
    const answer = await sendThroughDispatch(core, TEST_CALLER, { message: '帮我改改这篇作文：我的家乡……', template_id: 'essay_feedback' });
    const template = builtinTemplate('essay_feedback')!;
    const session = core.sessions.getSessionById(answer.session_id)!;
    expect(session.policy_snapshot.template).toEqual({ id: 'essay_feedback', version: '1', language: 'en', name: 'Essay feedback', text: template.text.en, edited: false });
    // The system message carries the mode's prompt, then the template's.
    const [first] = core.chatRequests();
    expect(first!.body.messages[0]).toEqual({ role: 'system', content: `${DEFAULT_POLICIES.chat.system_prompt.text.en}\n\n${template.text.en}` });

    // A follow-up keeps it (it is the session's); naming another template is a conflict.
    await sendThroughDispatch(core, TEST_CALLER, { message: 'And the ending?', meta: { session_id: answer.session_id } });
    expect(core.chatRequests()[1]!.body.messages[0].content).toContain(template.text.en);
    await expect(sendThroughDispatch(core, TEST_CALLER, { message: 'x', meta: { session_id: answer.session_id }, template_id: 'translate' })).rejects.toMatchObject({
      code: 'conflict',
    });
    // A session without one has none.
    const plain = await sendThroughDispatch(core, TEST_CALLER, { message: 'hi' });
    expect(core.sessions.getSessionById(plain.session_id)!.policy_snapshot.template).toBeUndefined();
    expect(core.chatRequests()[2]!.body.messages[0].content).toBe(DEFAULT_POLICIES.chat.system_prompt.text.en);
  });

  it('uses the zh-CN text when the language is Chinese', async () => {
    const core = await setupCore();
    core.settings.update({ language: 'zh-CN' });
    await sendThroughDispatch(core, TEST_CALLER, { message: 'How are you?', template_id: 'english_speaking' });
    expect(core.chatRequests()[0]!.body.messages[0].content).toContain(builtinTemplate('english_speaking')!.text['zh-CN']);
  });

  it('uses the student’s edited copy (theirs only), versioned by its text; reset returns to the built-in', async () => {
    const core = await setupCore();
    const saved = await dispatch(core, 'saveTemplate', TEST_CALLER, { id: 'translate', text: '只把中文译成英文，不要解释。' }, { validateOutput: true });
    expect(saved.body).toMatchObject({ id: 'translate', builtin: true, custom: { name: '', text: '只把中文译成英文，不要解释。' } });

    const mine = await sendThroughDispatch(core, TEST_CALLER, { message: '今天天气很好', template_id: 'translate' });
    const snapshot = core.sessions.getSessionById(mine.session_id)!.policy_snapshot.template!;
    expect(snapshot).toMatchObject({ id: 'translate', edited: true, name: 'Translate', text: '只把中文译成英文，不要解释。' });
    expect(snapshot.version).toMatch(/^custom-[0-9a-f]{12}$/);
    expect(core.chatRequests()[0]!.body.messages[0].content).toContain('只把中文译成英文，不要解释。');

    // Another student still gets the built-in text.
    const theirs = await sendThroughDispatch(core, OTHER, { message: '今天天气很好', template_id: 'translate' });
    expect(core.sessions.getSessionById(theirs.session_id)!.policy_snapshot.template).toMatchObject({ edited: false, version: '1' });

    expect((await dispatch(core, 'deleteTemplate', TEST_CALLER, { id: 'translate' })).body).toEqual({ deleted: true });
    const list = (await dispatch(core, 'listTemplates', TEST_CALLER, {})).body as { id: string; custom: unknown }[];
    expect(list.find((t) => t.id === 'translate')!.custom).toBeNull();
  });

  it('keeps a student’s own templates; a new one needs a name, an unknown id is refused in a message', async () => {
    const core = await setupCore();
    const refused = await dispatch(core, 'saveTemplate', TEST_CALLER, { id: 'vocab', text: 'Quiz me on ten words.' });
    expect(refused.body).toMatchObject({ code: 'validation_error' });
    await dispatch(core, 'saveTemplate', TEST_CALLER, { id: 'vocab', name: '背单词', text: 'Quiz me on ten words.' });
    const list = (await dispatch(core, 'listTemplates', TEST_CALLER, {})).body as { id: string; builtin: boolean }[];
    expect(list.map((t) => t.id)).toEqual(['essay_feedback', 'english_speaking', 'explain_mistake', 'translate', 'vocab']);
    const answer = await sendThroughDispatch(core, TEST_CALLER, { message: 'Go', template_id: 'vocab' });
    expect(core.sessions.getSessionById(answer.session_id)!.policy_snapshot.template).toMatchObject({ id: 'vocab', name: '背单词', edited: true });

    await expect(sendThroughDispatch(core, OTHER, { message: 'Go', template_id: 'vocab' })).rejects.toMatchObject({ code: 'validation_error' });
    expect((await dispatch(core, 'deleteTemplate', TEST_CALLER, { id: 'vocab' })).body).toEqual({ deleted: true });
    expect((await dispatch(core, 'deleteTemplate', TEST_CALLER, { id: 'vocab' })).body).toMatchObject({ code: 'not_found' });
  });
});
