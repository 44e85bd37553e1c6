/** Helpers to fake the server's text/event-stream answers in tests. */

export function sseEvent(data: unknown, id?: number): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return `${id !== undefined ? `id: ${id}\n` : ''}data: ${payload}\n\n`;
}

export function sseBody(events: unknown[], { done = true } = {}): string {
  return events.map((event, i) => sseEvent(event, i + 1)).join('') + (done ? 'data: [DONE]\n\n' : '');
}

export function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

export function sseResponse(body: string | Uint8Array[], init: ResponseInit = {}): Response {
  const chunks = typeof body === 'string' ? [new TextEncoder().encode(body)] : body;
  return new Response(streamOf(chunks), {
    status: 200,
    headers: { 'Content-Type': 'text/event-stream' },
    ...init,
  });
}

export function problemResponse(status: number, code: string, detail: string): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: 'Erreur', status, detail, code }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

/** A stream the test pushes into by hand, to simulate tokens arriving over time. */
export function manualStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const encoder = new TextEncoder();
  return {
    stream,
    push(text: string) {
      controller.enqueue(encoder.encode(text));
    },
    close() {
      controller.close();
    },
    fail(error: unknown) {
      controller.error(error);
    },
  };
}
