/** The one chat of the signed-in shell (see chat-store.ts), for the screens and the shortcuts. */
import { createContext, useContext, useState, type ReactNode } from 'react';
import { useApiCache } from '../../data/queries.tsx';
import { ChatStore } from './chat-store.ts';

const ChatContext = createContext<ChatStore | null>(null);

export function ChatProvider({ children }: { children: ReactNode }) {
  const cache = useApiCache();
  // One store per cache (per signed-in client); the shell remounts when that changes.
  const [chat] = useState(() => new ChatStore(cache));
  return <ChatContext.Provider value={chat}>{children}</ChatContext.Provider>;
}

export function useChat(): ChatStore {
  const chat = useContext(ChatContext);
  if (!chat) throw new Error('useChat outside ChatProvider');
  return chat;
}
