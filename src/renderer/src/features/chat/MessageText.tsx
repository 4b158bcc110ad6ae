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

/** `role` as the turn has it: only an `assistant` answer is read as Markdown. */
export function MessageText({ text, role }: { text: string; role: string }) {
  if (role !== 'assistant') return <PlainText text={text} />;
  return (
    <Suspense fallback={<PlainText text={text} />}>
      <Markdown text={text} />
    </Suspense>
  );
}
