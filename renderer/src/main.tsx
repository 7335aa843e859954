import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ContactPrivacyProvider } from './contact-privacy';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ContactPrivacyProvider>
      <App />
    </ContactPrivacyProvider>
  </StrictMode>,
);
