import { useVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatMessage } from './chat-store.ts';
import { MessageItem } from './MessageItem.tsx';

/**
 * Only the messages on screen are in the DOM (a session may hold thousands of turns). Stays
 * pinned to the newest message while the student is at the bottom; scrolling up unpins it.
 */
export function MessageList(props: { messages: ChatMessage[]; sendingKey: string | null; onRetry: (key: string) => void }) {
  const { t } = useTranslation();
  const { messages } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

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

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [totalSize, messages.length, last?.content, last?.key]);

  return (
    <div
      ref={scrollRef}
      className="messages"
      tabIndex={0}
      aria-label={t('chat.messages')}
      data-testid="messages"
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 64;
      }}
    >
      <div className="messages-inner" style={{ height: totalSize }}>
        {virtualizer.getVirtualItems().map((item) => {
          const message = messages[item.index]!;
          return (
            <div key={item.key} ref={virtualizer.measureElement} data-index={item.index} className="message-slot" style={{ transform: `translateY(${item.start}px)` }}>
              <MessageItem message={message} sending={props.sendingKey === message.key} busy={props.sendingKey !== null} onRetry={props.onRetry} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
