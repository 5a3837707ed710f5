/** A pane that throws while rendering shows what failed in its own place; the panes beside it keep working. */
import { act, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import { describeRenderError, ErrorBoundary } from '../../renderer/src/components/ErrorBoundary';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

afterEach(() => {
  document.body.innerHTML = '';
});

/** Renders a registry's label value as React would: an object is not a valid child. */
function Labels({ labels }: { labels: Record<string, unknown> }) {
  return <ul>{Object.entries(labels).map(([k, v]) => <li key={k}>{k}={v as string}</li>)}</ul>;
}

function Counter() {
  const [count, setCount] = useState(0);
  return <button data-counter onClick={() => setCount(count + 1)}>clicked {count}</button>;
}

describe('ErrorBoundary', () => {
  it('shows the failed pane by name, with the error, while its neighbour keeps working; Try again renders it afresh', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const root = createRoot(host);
    const labels: Record<string, unknown> = { 'org.example.bad': { nested: true } };
    // React reports what a boundary caught on the console; this test expects exactly that.
    const reported: unknown[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => reported.push(args);
    try {
      await act(async () => root.render(
        <div>
          <ErrorBoundary label="Image" className="pane image"><Labels labels={labels} /></ErrorBoundary>
          <ErrorBoundary label="Tags" className="pane tags"><Counter /></ErrorBoundary>
        </div>,
      ));
      const failed = host.querySelector('section[aria-label="Image"]')!;
      expect(failed.className).toBe('pane image pane-failed');
      expect(failed.querySelector('[role="alert"] .error-message')!.textContent).toMatch(/^Image could not be shown: Objects are not valid as a React child/);
      expect(reported.length).toBeGreaterThan(0);

      const counter = host.querySelector('[data-counter]') as HTMLButtonElement;
      await act(async () => counter.click());
      expect(counter.textContent).toBe('clicked 1');

      labels['org.example.bad'] = 'fixed';
      const retry = [...failed.querySelectorAll('button')].find((b) => b.textContent === 'Try again')!;
      await act(async () => retry.click());
      expect(host.querySelector('.pane-failed')).toBeNull();
      expect(host.querySelector('li')!.textContent).toBe('org.example.bad=fixed');
      expect(counter.textContent).toBe('clicked 1');
    } finally {
      console.error = consoleError;
      await act(async () => root.unmount());
    }
  });

  it('a failed dialog stays modal and can be closed', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const root = createRoot(host);
    let closed = 0;
    const Broken = (): never => {
      throw new Error('plan is not iterable');
    };
    const consoleError = console.error;
    console.error = () => undefined;
    try {
      await act(async () => root.render(<ErrorBoundary label="Copy image" className="dialog" onClose={() => closed++}><Broken /></ErrorBoundary>));
      const dialog = host.querySelector('.dialog-backdrop > section[role="dialog"][aria-label="Copy image"]')!;
      expect(dialog.getAttribute('aria-modal')).toBe('true');
      expect(dialog.textContent).toContain('Copy image could not be shown: plan is not iterable');
      await act(async () => [...dialog.querySelectorAll('button')].find((b) => b.textContent === 'Close')!.click());
      expect(closed).toBe(1);
    } finally {
      console.error = consoleError;
      await act(async () => root.unmount());
    }
  });

  it("reads production React's shortened messages: the error number and what was wrong", () => {
    const minified = new Error('Minified React error #31; visit https://react.dev/errors/31?args[]=object%20with%20keys%20%7Bnested%7D for the full message or use the non-minified dev environment for full errors and additional helpful warnings.');
    expect(describeRenderError(minified)).toBe('React error #31 (object with keys {nested})');
    expect(describeRenderError(new RangeError('Maximum call stack size exceeded'))).toBe('a value is nested too deeply to show (Maximum call stack size exceeded)');
    expect(describeRenderError(new RangeError('Invalid time value'))).toBe('Invalid time value');
    expect(describeRenderError(new Error('first line\n    at Component (x.js:1:1)'))).toBe('first line');
    expect(describeRenderError('thrown text')).toBe('thrown text');
    expect(describeRenderError({ not: 'an error' })).toBe('unknown error');
  });
});
