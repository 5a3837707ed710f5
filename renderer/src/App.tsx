import { APP_NAME } from '../../shared/app';

/** Placeholder shell until the renderer issue lands: proves the build, the CSP and the shared import. */
export function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 24 }}>
      <h1>{APP_NAME}</h1>
      <p>Registry browser. The user interface is under construction.</p>
    </main>
  );
}
