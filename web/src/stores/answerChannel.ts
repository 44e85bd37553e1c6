/** An answer started in one tab, for the other tabs of this browser showing the same conversation. */
export interface AnswerAnnouncement {
  conversationId: string;
  messageId: string;
  /** The question, so the other tabs can show it before the answer (absent for regenerate and continue). */
  user?: { id: string; content: string };
}

export interface AnswerChannel {
  announce: (announcement: AnswerAnnouncement) => void;
  listen: (listener: (announcement: AnswerAnnouncement) => void) => () => void;
}

const isAnnouncement = (data: unknown): data is AnswerAnnouncement => {
  if (!data || typeof data !== 'object') return false;
  const a = data as Record<string, unknown>;
  const user = a.user as Record<string, unknown> | undefined;
  return (
    typeof a.conversationId === 'string' &&
    typeof a.messageId === 'string' &&
    (user === undefined || (typeof user.id === 'string' && typeof user.content === 'string'))
  );
};

/** The browser's BroadcastChannel between tabs of THÉRÈSE, or null where there is none. */
export function answerChannel(name = 'therese-answers'): AnswerChannel | null {
  if (typeof window === 'undefined' || typeof window.BroadcastChannel === 'undefined') return null;
  const channel = new window.BroadcastChannel(name);
  // Node's BroadcastChannel (unit tests) would otherwise keep the process alive.
  (channel as unknown as { unref?: () => void }).unref?.();
  return {
    announce: (announcement) => channel.postMessage(announcement),
    listen: (listener) => {
      const onMessage = (event: MessageEvent) => {
        if (isAnnouncement(event.data)) listener(event.data);
      };
      channel.addEventListener('message', onMessage);
      return () => channel.removeEventListener('message', onMessage);
    },
  };
}
