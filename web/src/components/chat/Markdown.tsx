import { startTransition, useEffect, useState } from 'react';
import { flushSync } from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';
import { chatStore } from '../../stores/chatStore';
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

/**
 * Renders an answer as Markdown once the pipeline is here, as plain text until then. When the pipeline
 * arrives, a finished answer switches in a transition (React renders it in slices, however many answers
 * are on the page); the streaming one at once.
 */
export function Markdown({ text, streaming = false }: MarkdownProps) {
  const [loaded, setLoaded] = useState(renderer);
  useEffect(() => {
    if (loaded) return;
    if (renderer) {
      setLoaded(renderer);
      return;
    }
    const show = () => {
      if (streaming) setLoaded(renderer);
      else startTransition(() => setLoaded(renderer));
    };
    listeners.add(show);
    loadMarkdownRenderer().catch(() => {});
    return () => {
      listeners.delete(show);
    };
  }, [loaded, streaming]);
  if (loaded) return <loaded.MarkdownRenderer text={text} streaming={streaming} />;
  return (
    <div className="markdown whitespace-pre-wrap">
      {text}
      {streaming && <span className="streaming-cursor" data-testid="streaming-cursor" aria-hidden="true" />}
    </div>
  );
}

const whenIdle: (callback: () => void) => void =
  typeof requestIdleCallback === 'function' ? (cb) => requestIdleCallback(cb) : (cb) => setTimeout(cb, 50);

/** A warm-up step runs in an idle period, and never while an answer streams (it would compete with its frames). */
const idle = (step: () => void) =>
  whenIdle(() => {
    const { status } = chatStore.getState();
    if (status === 'waiting' || status === 'streaming') setTimeout(() => idle(step), 250);
    else step();
  });

/**
 * After the page has loaded, in idle time and one small step per idle period: fetch the pipeline, render
 * each warm-up slice once (so that the first frames of a real answer run compiled code), then fetch and
 * compile the highlighting grammars. No step is a long task, and the page never waits for any of them.
 * The slices render in a container outside the document: nothing of them ever shows or can be found.
 */
export function MarkdownWarmUp() {
  useEffect(() => {
    let cancelled = false;
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
    const load = () => {
      const part = parts.shift();
      if (cancelled) return;
      if (!part) return idle(() => warm(0));
      part().then(() => idle(load), () => {});
    };
    let root: Root | null = null;
    const warm = (slice: number) => {
      if (cancelled || !renderer) return;
      if (slice >= renderer.warmUpSlices.length) {
        root?.unmount();
        renderer.warmUpHighlighter(idle);
        return;
      }
      root ??= createRoot(document.createElement('div'));
      const { WarmUpSlice, warmUpSlices } = renderer;
      flushSync(() => root!.render(<WarmUpSlice source={warmUpSlices[slice]} />));
      idle(() => warm(slice + 1));
    };
    idle(load);
    // A question sent before the pipeline is here (typed while the page loaded): fetch all of it now, while the answer's
    // first token is awaited, rather than when text arrives. Switching an answer already on screen from plain text to
    // Markdown renders all of it at once with code run for the first time: a long task (issue 22).
    const unsubscribe = chatStore.subscribe((state) => {
      if (state.status === 'waiting' && !renderer) loadMarkdownRenderer().catch(() => {});
    });
    return () => {
      cancelled = true;
      unsubscribe();
      root?.unmount();
    };
  }, []);
  return null;
}
