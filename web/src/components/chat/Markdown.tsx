import { useEffect, useState, useSyncExternalStore } from 'react';
import type * as Renderer from './MarkdownRenderer';

type RendererModule = typeof Renderer;

interface MarkdownProps {
  text: string;
  /** True while the answer is still arriving: the last block is healed and gets the cursor. */
  streaming?: boolean;
}

let renderer: RendererModule | null = null;
let loading: Promise<RendererModule> | null = null;
const listeners = new Set<() => void>();

/**
 * The Markdown pipeline (react-markdown, GFM, marked, the highlighter) is most of the page's JavaScript
 * and none of it is needed to show the page or stream plain text. It is fetched in idle time after the
 * page has loaded, or at once by the first answer that needs it; until then answers show as plain text.
 */
export function loadMarkdownRenderer(): Promise<RendererModule> {
  if (renderer) return Promise.resolve(renderer);
  loading ??= import('./MarkdownRenderer')
    .then((module) => {
      renderer = module;
      for (const listener of listeners) listener();
      return module;
    })
    .catch((error: unknown) => {
      // Offline, or a new version deployed meanwhile: stay on plain text, try again on the next answer.
      loading = null;
      throw error;
    });
  return loading;
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

/** Renders an answer as Markdown once the pipeline is here, as plain text until then. */
export function Markdown({ text, streaming = false }: MarkdownProps) {
  const loaded = useSyncExternalStore(subscribe, () => renderer);
  useEffect(() => {
    if (!loaded) loadMarkdownRenderer().catch(() => {});
  }, [loaded]);
  if (loaded) return <loaded.MarkdownRenderer text={text} streaming={streaming} />;
  return (
    <div className="markdown whitespace-pre-wrap">
      {text}
      {streaming && <span className="streaming-cursor" data-testid="streaming-cursor" aria-hidden="true" />}
    </div>
  );
}

// A step waits for an idle period, but not long: the first answer may come soon after the page has loaded.
const idle: (callback: () => void) => void =
  typeof requestIdleCallback === 'function' ? (cb) => requestIdleCallback(cb, { timeout: 100 }) : (cb) => setTimeout(cb, 16);

/**
 * After the page has loaded, in idle time and one small step per idle period: fetch the pipeline, render
 * each warm-up slice once (so that the first frames of a real answer run compiled code), then fetch and
 * compile the highlighting grammars. No step is a long task, and the page never waits for any of them.
 */
export function MarkdownWarmUp() {
  const [slice, setSlice] = useState(-1);
  const loaded = useSyncExternalStore(subscribe, () => renderer);

  useEffect(() => {
    // The pipeline's parts one per idle period (each is evaluated as its chunk arrives), then the renderer,
    // which finds them loaded: no single evaluation of all of it.
    const parts = [
      () => import('marked'),
      () => import('remend'),
      () => import('lowlight'),
      () => import('remark-gfm'),
      () => import('react-markdown'),
      () => loadMarkdownRenderer(),
    ];
    const next = () => {
      const part = parts.shift();
      if (!part) {
        idle(() => setSlice(0));
        return;
      }
      part().then(() => idle(next), () => {});
    };
    idle(next);
  }, []);

  useEffect(() => {
    if (slice < 0 || !loaded) return;
    if (slice >= loaded.warmUpSlices.length) {
      loaded.warmUpHighlighter(idle);
      return;
    }
    idle(() => setSlice(slice + 1));
  }, [slice, loaded]);

  if (!loaded || slice < 0 || slice >= loaded.warmUpSlices.length) return null;
  return <loaded.WarmUpSlice key={slice} source={loaded.warmUpSlices[slice]} />;
}
