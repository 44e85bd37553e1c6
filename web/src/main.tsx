import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ChatView } from './components/chat/ChatView';
import './styles/index.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ChatView />
  </StrictMode>,
);
