import { startTransition, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles/index.css';

// React is evaluated with this module, the app's own code in the next task: two short tasks, not one long one.
const { App } = await import('./components/App');

// The first render is the page's biggest piece of work (React and the app's code run for the first time): as a
// transition, React renders it in slices of a few milliseconds, so the page loads without a long task.
startTransition(() => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
