/**
 * What the signed-in shell provides, each concern its own provider and hook:
 * - useApiCache / useRouteQuery / useRouteMutation (data/): server state, through one query cache;
 * - useIdentity (identity.tsx): who is signed in, the transport, sign-out;
 * - useSettings / useModels / useAssignments (server-state.ts): the server state screens share;
 * - usePrefs (prefs.tsx): the UI's language and theme;
 * - useChat (features/chat/chat-context.tsx): the chat, streaming while other screens are open.
 */
import type { ReactNode } from 'react';
import type { User } from '../../../shared/api/schemas.ts';
import { ChatProvider } from '../features/chat/chat-context.tsx';
import type { TransportKind } from './api.ts';
import { IdentityProvider } from './identity.tsx';
import { PrefsProvider } from './prefs.tsx';

/** Inside the cache's provider (SignedIn reads `getMe` through it first): what needs the user. */
export function SignedInProviders(props: { me: User; transport: TransportKind; signOut: (() => void) | null; children: ReactNode }) {
  return (
    <IdentityProvider me={props.me} transport={props.transport} signOut={props.signOut}>
      <PrefsProvider>
        <ChatProvider>{props.children}</ChatProvider>
      </PrefsProvider>
    </IdentityProvider>
  );
}
