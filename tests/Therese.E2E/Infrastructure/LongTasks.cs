namespace Therese.E2E.Infrastructure;

/// <summary>What the page records about its main thread, for the smoothness tests.</summary>
public static class LongTasks
{
    /// <summary>
    /// Init script: every long task (over 50 ms) in <c>window.__longTasks</c>, and every long animation
    /// frame, with the scripts and forced layout that made it long, in <c>window.__frames</c>.
    /// </summary>
    public const string ObserverScript =
        """
        window.__longTasks = [];
        window.__frames = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.__longTasks.push({
            start: e.startTime, duration: e.duration, name: e.name,
            attribution: (e.attribution || []).map((a) => `${a.containerType} ${a.containerName} ${a.containerSrc}`).join('; '),
          });
        }).observe({ type: 'longtask', buffered: true });
        try {
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) window.__frames.push({
              start: e.startTime, duration: e.duration, blocking: e.blockingDuration,
              render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
              scripts: e.scripts.map((s) => `${s.invoker} ${s.sourceFunctionName || ''} ${Math.round(s.duration)} ms (layout ${Math.round(s.forcedStyleAndLayoutDuration)} ms)`).join('; '),
            });
          }).observe({ type: 'long-animation-frame', buffered: true });
        } catch { /* not supported: the long tasks still count */ }
        """;
}
