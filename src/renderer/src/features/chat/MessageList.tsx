import { useVirtualizer } from '@tanstack/react-virtual';
import { ArrowDown } from 'lucide-react';
import { useEffectEvent, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isFollowed, type ChatMessage } from './messages.ts';
import { MessageItem, type MessageActions } from './MessageItem.tsx';

/** How close to the bottom (px) still counts as "at the bottom". */
const NEAR_BOTTOM = 64;

/**
 * Only the messages on screen are in the DOM (a session may hold thousands of turns).
 *
 * Scrolling: while the student is at the bottom the list stays pinned there, so a streaming answer
 * is followed; scrolling up unpins it and shows "jump to latest". Sending a message always brings
 * the list to the bottom (the message and its answer are what the student wants to see next).
 */
export function MessageList(props: { messages: ChatMessage[]; sendingKey: string | null; actions: MessageActions; focusTurnId?: string | null }) {
  const { t } = useTranslation();
  const { messages, sendingKey, focusTurnId = null } = props;
  // The message a search hit pointed at (#/chat/<session>?turn=<id>): scrolled to and highlighted.
  const [highlightKey, setHighlightKey] = useState<string | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const lastTop = useRef(0);
  const [away, setAway] = useState(false);

  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 120,
    overscan: 6,
    getItemKey: (index) => messages[index]!.key,
    useFlushSync: false,
  });
  const totalSize = virtualizer.getTotalSize();
  const last = messages[messages.length - 1];

  const pinToBottom = () => {
    pinned.current = true;
    setAway(false);
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  };

  // A message was sent (or retried): show it and its answer. A retried message that is not the
  // newest is scrolled into view instead (its answer goes right after it).
  // Only when a send starts, not on every streamed delta: the messages are read (as they are
  // then) through an effect event, so they are not a dependency.
  const showSent = useEffectEvent((key: string) => {
    const at = messages.findIndex((m) => m.key === key);
    if (at === -1 || messages.slice(at + 1).every((m) => m.kind === 'assistant')) pinToBottom();
    else virtualizer.scrollToIndex(at, { align: 'start' });
  });
  useLayoutEffect(() => {
    if (sendingKey !== null) showSent(sendingKey);
  }, [sendingKey]);

  // A search hit: show its message in the middle, unpinned (so the list does not jump to the end).
  const showTurn = useEffectEvent((turnId: string) => {
    const at = messages.findIndex((m) => m.turnId === turnId);
    if (at === -1) return;
    pinned.current = false;
    setAway(true);
    setHighlightKey(messages[at]!.key);
    virtualizer.scrollToIndex(at, { align: 'center' });
  });
  const hasMessages = messages.length > 0;
  useLayoutEffect(() => {
    if (focusTurnId && hasMessages) showTurn(focusTurnId);
  }, [focusTurnId, hasMessages]);

  // Pinned: follow new messages, streamed text and late measurements (virtualized rows grow from
  // their estimated height once rendered).
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [totalSize, messages.length, last?.content, last?.key]);

  return (
    <div className="messages-wrap">
      <div
        ref={scrollRef}
        className="messages"
        tabIndex={0}
        aria-label={t('chat.messages')}
        data-testid="messages"
        onScroll={(e) => {
          const el = e.currentTarget;
          const distance = el.scrollHeight - el.scrollTop - el.clientHeight;
          // At the bottom: pinned. Moved up (by the student): unpinned. Anything else — content
          // growing below, the virtualizer correcting an estimate — keeps the current state.
          if (distance < NEAR_BOTTOM) pinned.current = true;
          else if (el.scrollTop < lastTop.current - 1) pinned.current = false;
          lastTop.current = el.scrollTop;
          setAway(!pinned.current);
        }}
      >
        <div className="messages-inner" style={{ height: totalSize }}>
          {virtualizer.getVirtualItems().map((item) => {
            const message = messages[item.index]!;
            // A question whose answer the provider cut part-way (the partial answer follows it).
            const next = messages[item.index + 1];
            const cut = next?.kind === 'assistant' && next.status === 'interrupted' && next.content !== '';
            const followed = message.kind === 'user' && message.status === 'failed' && isFollowed(messages, item.index);
            return (
              <div
                key={item.key}
                ref={virtualizer.measureElement}
                data-index={item.index}
                className={message.key === highlightKey ? 'message-slot highlighted' : 'message-slot'}
                data-highlighted={message.key === highlightKey ? 'true' : undefined}
                data-turn-id={message.turnId ?? undefined}
                style={{ transform: `translateY(${item.start}px)` }}
              >
                <MessageItem message={message} sending={sendingKey === message.key} busy={sendingKey !== null} cut={cut} followed={followed} actions={props.actions} />
              </div>
            );
          })}
        </div>
      </div>
      {away ? (
        <button type="button" className="btn btn-small jump-latest" onClick={pinToBottom} data-testid="jump-latest">
          <ArrowDown size={14} aria-hidden="true" />
          {t('chat.jumpToLatest')}
        </button>
      ) : null}
    </div>
  );
}
