import { startTransition, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { readBootstrap } from './firstScreen/bootstrap';
import { holdShellInput } from './firstScreen/shellInput';
import { accountStore } from './stores/accountStore';
import { settingsStore } from './stores/settingsStore';
import './styles/index.css';

// What the server wrote into the page: the first screen needs no request before it shows.
const bootstrap = readBootstrap();
if (bootstrap?.me?.mode === 'personal') accountStore.setState({ me: bootstrap.me, status: 'personal' });
if (bootstrap?.settings) settingsStore.setState({ settings: bootstrap.settings, error: null });
holdShellInput();

// The first render is the page's biggest piece of work (React and the app's code run for the first time): as a
// transition, React renders it in slices of a few milliseconds, so the page loads without a long task. Meanwhile
// the page's own chat input (index.html) takes the typing; the app's input takes it over when it commits.
startTransition(() => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
