import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import './styles.css';

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      {/* The last resort: each pane has its own boundary, this one catches the frame around them. */}
      <ErrorBoundary label="regdesk" className="app-failed">
        <App />
      </ErrorBoundary>
    </QueryClientProvider>
  </StrictMode>,
);
