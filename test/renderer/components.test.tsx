/** The renderer's logic: the virtual list and its keys, the repository tree and its keys, tag order, watch status, the transport's envelopes. */
import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it } from 'vitest';
import type { WatchView } from '../../shared/contract';
import { isRegistryError } from '../../shared/errors';
import { rows, treeKey } from '../../renderer/src/components/Repositories';
import { orderTags } from '../../renderer/src/components/Tags';
import { ruleSummary } from '../../renderer/src/components/WatchForm';
import { countLabel } from '../../renderer/src/labels';
import { VirtualList } from '../../renderer/src/components/VirtualList';
import { status } from '../../renderer/src/components/Watched';
import { createApi } from '../../renderer/src/transport';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

afterEach(() => {
  document.body.innerHTML = '';
  delete (window as { regdeskBridge?: unknown }).regdeskBridge;
});

describe('VirtualList', () => {
  it('renders only the rows in view (plus a margin) of 10,000 items, and follows scrolling', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const items = Array.from({ length: 10_000 }, (_, i) => `tag-${i}`);
    const root = createRoot(host);
    await act(async () => root.render(<VirtualList items={items} rowHeight={20} label="tags" render={(t) => <span className="row">{t}</span>} />));
    const rendered = host.querySelectorAll('.row');
    expect(rendered.length).toBeGreaterThan(0);
    expect(rendered.length).toBeLessThan(100);
    expect(rendered[0]!.textContent).toBe('tag-0');
    const scroller = host.querySelector('.virtual') as HTMLDivElement;
    expect((scroller.firstChild as HTMLDivElement).style.height).toBe('200000px');
    await act(async () => {
      scroller.scrollTop = 100_000;
      scroller.dispatchEvent(new Event('scroll'));
    });
    const texts = [...host.querySelectorAll('.row')].map((r) => r.textContent);
    expect(texts).toContain('tag-5000');
    expect(texts).not.toContain('tag-0');
    await act(async () => root.unmount());
  });
});

describe('repository tree rows', () => {
  const names = ['a/b/c', 'a/b/d', 'a/e', 'library/nginx', 'solo'];
  it('shows top-level folders closed, and their children once opened', () => {
    expect(rows(names, new Set(), '').map((r) => [r.label, r.depth, r.folder])).toEqual([['a', 0, true], ['library', 0, true], ['solo', 0, false]]);
    expect(rows(names, new Set(['a', 'a/b']), '').map((r) => r.path)).toEqual(['a', 'a/b', 'a/b/c', 'a/b/d', 'a/e', 'library', 'solo']);
  });
  it('filters flat, by substring', () => {
    expect(rows(names, new Set(), 'b/').map((r) => r.path)).toEqual(['a/b/c', 'a/b/d']);
  });
});

describe('watch status', () => {
  const base: WatchView = { id: '1', image: 'r/x:1.0', registry: 'r', repository: 'x', tag: '1.0', platform: null, rule: 'both', digest: null, lastCheckAt: null, update: null, error: null, snoozedUntil: null };
  it('says what changed, or that nothing did', () => {
    expect(status(base)).toBe('not checked yet');
    expect(status({ ...base, lastCheckAt: 'now' })).toBe('up to date');
    expect(status({ ...base, update: { digestChanged: true, remoteDigest: `sha256:${'a'.repeat(64)}`, newerVersions: ['1.1', '1.2', '1.3', '2.0'], latestVersion: '2.0' } }))
      .toBe('new digest sha256:aaaaaaaaaaaa · newer: 1.2, 1.3, 2.0');
    expect(status({ ...base, error: 'registry.example: host not found' })).toBe('registry.example: host not found');
  });
});

describe('transport', () => {
  it('uses the preload bridge when there is one, and turns error envelopes into typed errors', async () => {
    const calls: Array<[string, unknown]> = [];
    (window as { regdeskBridge?: unknown }).regdeskBridge = {
      transport: 'electron',
      call: async (channel: string, request: unknown) => {
        calls.push([channel, request]);
        return channel === 'tags.list' ? { ok: true, result: { tags: ['1.0'] } } : { ok: false, error: { code: 'not_found', message: 'x not found', kind: 'manifest' } };
      },
      on: () => () => undefined,
    };
    const api = createApi();
    expect(await api.call('tags.list', { registry: 'r', repository: 'x' })).toEqual({ tags: ['1.0'] });
    const err = await api.call('image.get', { registry: 'r', repository: 'x', reference: 'y' }).catch((e: unknown) => e);
    expect(isRegistryError(err, 'not_found')).toBe(true);
    expect((err as { context: { kind?: string } }).context.kind).toBe('manifest');
    expect(calls.map((c) => c[0])).toEqual(['tags.list', 'image.get']);
  });
});

describe('transport cancel', () => {
  it('an aborted call asks the bridge to cancel that call by its id, and ends as cancelled', async () => {
    const cancelled: number[] = [];
    const pending = new Map<number, (envelope: unknown) => void>();
    (window as { regdeskBridge?: unknown }).regdeskBridge = {
      transport: 'electron',
      call: (_channel: string, _request: unknown, id: number) => new Promise((resolve) => pending.set(id, resolve)),
      cancel: (id: number) => {
        cancelled.push(id);
        pending.get(id)?.({ ok: false, error: { code: 'cancelled', message: 'cancelled' } });
      },
      on: () => () => undefined,
    };
    const api = createApi();
    const left = new AbortController();
    const first = api.call('tags.list', { registry: 'r', repository: 'a' }, { signal: left.signal });
    const second = api.call('tags.list', { registry: 'r', repository: 'b' });
    const [firstId, secondId] = [...pending.keys()];
    expect(firstId).not.toBe(secondId);
    left.abort();
    expect(cancelled).toEqual([firstId]);
    expect(isRegistryError(await first.catch((e: unknown) => e), 'cancelled')).toBe(true);
    pending.get(secondId!)!({ ok: true, result: { tags: ['1.0'] } });
    expect(await second).toEqual({ tags: ['1.0'] });
    // An already aborted signal never reaches the bridge.
    const before = pending.size;
    expect(isRegistryError(await api.call('tags.list', { registry: 'r', repository: 'c' }, { signal: left.signal }).catch((e: unknown) => e), 'cancelled')).toBe(true);
    expect(pending.size).toBe(before);
  });
});

describe('VirtualList keyboard', () => {
  it('is one tab stop whose cursor the arrows, Home, End and the page keys move, scrolled into view; Enter opens the row under it', async () => {
    const host = document.createElement('div');
    document.body.append(host);
    const items = Array.from({ length: 1000 }, (_, i) => `tag-${i}`);
    const moves: number[] = [];
    const opened: number[] = [];
    let cursor: number | undefined;
    const root = createRoot(host);
    const draw = () => root.render(
      <VirtualList items={items} rowHeight={20} label="tags" active={cursor} render={(t) => <span className="row">{t}</span>}
        onActiveChange={(i) => { moves.push(i); cursor = i; draw(); }} onOpen={(i) => opened.push(i)} />,
    );
    await act(async () => draw());
    const list = host.querySelector('[role="listbox"]') as HTMLDivElement;
    expect(list.tabIndex).toBe(0);
    expect(host.querySelectorAll('[tabindex]').length).toBe(1);
    const press = async (key: string) => act(async () => { list.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true })); });
    await press('ArrowDown');
    await press('ArrowDown');
    await press('ArrowUp');
    await press('End');
    await press('ArrowDown');
    await press('Home');
    await press('ArrowUp');
    expect(moves).toEqual([0, 1, 0, 999, 999, 0, 0]);
    await press('End');
    // The last row is rendered and is the active descendant.
    const active = document.getElementById(list.getAttribute('aria-activedescendant')!);
    expect(active?.textContent).toBe('tag-999');
    expect(list.scrollTop).toBeGreaterThan(0);
    await press('Enter');
    expect(opened).toEqual([999]);
    await act(async () => root.unmount());
  });
});

describe('tag order and labels', () => {
  it('puts the newest version first and the other tags after it, by name', () => {
    expect(orderTags(['latest', '1.2', 'main', '1.10', '1.9', 'alpine'], 'version')).toEqual(['1.10', '1.9', '1.2', 'alpine', 'latest', 'main']);
    expect(orderTags(['b', 'a', '1.10', '1.9'], 'name')).toEqual(['1.10', '1.9', 'a', 'b']);
  });
  it('counts with thousands separators, and says how many of them a filter shows', () => {
    expect(countLabel(1, 1, 'tag')).toBe('1 tag');
    expect(countLabel(10_000, 10_000, 'tag')).toBe('10,000 tags');
    expect(countLabel(4, 1056, 'repository', 'repositories')).toBe('4 of 1,056 repositories');
  });
  it('summarises a watch rule and its platform', () => {
    expect(ruleSummary('digest', null)).toBe('new digests');
    expect(ruleSummary('both', 'linux/arm64/v8')).toBe('digests and versions · linux/arm64/v8');
  });
});

describe('repository tree keys', () => {
  const names = ['a/b/c', 'a/d', 'solo'];
  it('Right opens a closed folder, then steps into it; Left steps out to the parent, then closes it', () => {
    const closed = rows(names, new Set(), '');
    expect(treeKey(closed, 0, 'ArrowRight', new Set())).toEqual({ toggle: 'a' });
    const open = rows(names, new Set(['a']), '');
    expect(open.map((r) => r.path)).toEqual(['a', 'a/b', 'a/d', 'solo']);
    expect(treeKey(open, 0, 'ArrowRight', new Set(['a']))).toEqual({ move: 1 });
    expect(treeKey(open, 2, 'ArrowLeft', new Set(['a']))).toEqual({ move: 0 });
    expect(treeKey(open, 0, 'ArrowLeft', new Set(['a']))).toEqual({ toggle: 'a' });
    // A top-level leaf has nowhere to go, and other keys are not the tree's.
    expect(treeKey(open, 3, 'ArrowLeft', new Set(['a']))).toBeUndefined();
    expect(treeKey(open, 3, 'x', new Set(['a']))).toBeUndefined();
  });
});
