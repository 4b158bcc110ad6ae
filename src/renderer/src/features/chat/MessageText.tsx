/**
 * A message's text as the chat, the hand-in transcripts and the class hub show it: an answer as
 * Markdown with its maths typeset (never raw "$y=2x+1$"), its plain text while that view loads;
 * anything else (a student's message, reasoning) plain. The Markdown view (KaTeX, the highlighter)
 * is loaded lazily, so it stays out of each page's first load.
 */
import { lazy, Suspense } from 'react';

const Markdown = lazy(() => import('./Markdown.tsx'));

/** Text as written: line breaks kept, nothing interpreted. */
export function PlainText({ text }: { text: string }) {
  return <div className="plain-text">{text}</div>;
}

/** Markdown with its maths typeset, the plain text while that view loads (answers, an assignment's text). */
export function LazyMarkdown({ text }: { text: string }) {
  return (
    <Suspense fallback={<PlainText text={text} />}>
      <Markdown text={text} />
    </Suspense>
  );
}

/** `role` as the turn has it: only an `assistant` answer is read as Markdown. */
export function MessageText({ text, role }: { text: string; role: string }) {
  return role === 'assistant' ? <LazyMarkdown text={text} /> : <PlainText text={text} />;
}
