/**
 * Study templates as data: a template seeds a new session's system prompt (after the mode's own
 * prompt) and is recorded in its policy_snapshot (`template`). The built-in ones ship in zh-CN and
 * en; a student may edit a copy of one, or write their own (stored per user: TemplatesStore).
 * Plain data (no zod), so the renderer shows the names without loading a validator.
 */
import type { LANGUAGES } from './api/vocabulary.ts';

type Language = (typeof LANGUAGES)[number];

export interface StudyTemplate {
  /** Stable: sessions record it. */
  id: string;
  /** Bumped whenever a built-in text changes, so a snapshot says which text a session had. */
  version: string;
  name: Record<Language, string>;
  text: Record<Language, string>;
  /**
   * For the student, shown in the empty chat once the template is picked: what it is for and what
   * to paste or send. Not sent to the model (so changing it bumps no `version`).
   */
  hint: Record<Language, string>;
}

/** What a template id may be (built-in ones and a student's own). */
export const TEMPLATE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const MAX_TEMPLATE_TEXT = 8_000;
export const MAX_TEMPLATE_NAME = 60;

export const STUDY_TEMPLATES: readonly StudyTemplate[] = [
  {
    id: 'essay_feedback',
    version: '1',
    name: { 'zh-CN': '作文批改', en: 'Essay feedback' },
    text: {
      'zh-CN':
        '学生会发来一篇作文。请像一位耐心的语文老师那样批改：先用两三句话说出这篇作文的优点，再按“内容与立意、结构、语言表达、错别字与标点”分条指出问题，' +
        '每条引用原文并给出修改建议；最后给出一个总体评价和下一次写作最值得练习的一点。不要替学生重写整篇作文。',
      en:
        'The student will send an essay. Give feedback as a patient writing teacher: first two or three sentences on what works, then numbered ' +
        'points under "ideas", "structure", "language" and "spelling and punctuation", each quoting the text and suggesting a revision; end ' +
        'with an overall comment and the one thing most worth practising next. Do not rewrite the whole essay for the student.',
    },
    hint: {
      'zh-CN': '把你的作文全文粘贴进来（可以附上题目和字数要求），会得到分条的批改意见和修改建议，而不是代写。',
      en: 'Paste your whole essay (with the prompt and word limit if there is one) to get numbered feedback and suggested revisions, not a rewrite.',
    },
  },
  {
    id: 'english_speaking',
    version: '1',
    name: { 'zh-CN': '英语口语陪练', en: 'English conversation practice' },
    text: {
      'zh-CN':
        '你是学生的英语口语陪练。用简单自然的英语和学生聊天，每次回复不超过三句话，并以一个问题结尾让对话继续。' +
        '学生的句子有语法或用词错误时，先正常回应，再在末尾用“💡”开头、用中文简短指出一处最重要的错误和正确说法。',
      en:
        "You are the student's English conversation partner. Chat in simple, natural English, at most three sentences per reply, ending " +
        'with a question that keeps the conversation going. When the student makes a grammar or word-choice mistake, reply normally first, ' +
        'then add one line starting with "💡" that names the most important mistake and the correct form.',
    },
    hint: {
      'zh-CN': '用英语随便说一句开始聊天，比如介绍你的周末。每次回复后会用中文指出一处最重要的错误。',
      en: 'Say anything in English to start, for example about your weekend. Each reply points out your most important mistake.',
    },
  },
  {
    id: 'explain_mistake',
    version: '1',
    name: { 'zh-CN': '错题讲解', en: 'Explain my mistake' },
    text: {
      'zh-CN':
        '学生会发来一道做错的题和自己的解答。请先找出学生出错的具体那一步，说明错在哪里、为什么会这样想；再讲清楚相关的知识点；' +
        '然后给出正确的思路（关键步骤即可）；最后出一道类似的小题让学生练习，先不要给出答案。',
      en:
        'The student will send a problem they got wrong and their own working. First find the exact step where it went wrong, say what ' +
        'the mistake is and why it is tempting; then explain the idea behind it; then show the correct approach (key steps only); finally ' +
        'give one similar short exercise to practise, without its answer.',
    },
    hint: {
      'zh-CN': '发来做错的题目和你自己的解题过程（可以拍照上传），会找出错在哪一步、讲清知识点，再出一道类似的练习题。',
      en: 'Send the problem you got wrong and your own working (a photo works), to find the step that went wrong, the idea behind it, and a similar exercise.',
    },
  },
  {
    id: 'translate',
    version: '1',
    name: { 'zh-CN': '翻译', en: 'Translate' },
    text: {
      'zh-CN': '你是翻译助手。学生发来中文就译成英文，发来英文就译成中文。先给出自然、地道的译文，再列出两三个值得学习的词语或句式并简要解释。不要添加原文没有的内容。',
      en:
        'You are a translation helper. Translate Chinese the student sends into English, and English into Chinese. Give a natural, ' +
        'idiomatic translation first, then list two or three words or phrases worth learning with a short explanation. Add nothing the ' +
        'original does not say.',
    },
    hint: {
      'zh-CN': '发来要翻译的中文或英文，会得到自然的译文和两三个值得学习的词语或句式。',
      en: 'Send Chinese or English text to get a natural translation and two or three words or phrases worth learning.',
    },
  },
];

export function builtinTemplate(id: string): StudyTemplate | undefined {
  return STUDY_TEMPLATES.find((t) => t.id === id);
}
