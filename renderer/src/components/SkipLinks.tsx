/**
 * The first stops of the tab order, shown only when focused: one per pane, so
 * the keyboard reaches the repositories, tags or image without tabbing through
 * every watch and copy on the way. Buttons, not `#` links: the URL's fragment
 * holds what is open.
 */

/** Each pane (found by its accessible name) and the controls in it that the keyboard wants first, the first found. */
export const PANES = [
  { id: 'registries', pane: 'nav[aria-label="Registries"]', target: ['.registry-button[tabindex="0"]', '[aria-label="Add a registry"]'] },
  { id: 'repositories', pane: 'main [aria-label="Repositories"]', target: ['[role="tree"]'] },
  { id: 'tags', pane: 'main [aria-label="Tags"]', target: ['[role="listbox"]'] },
  { id: 'image', pane: 'main [aria-label="Image"]', target: [] },
] as const;

export type PaneId = (typeof PANES)[number]['id'];

/**
 * Focuses a pane's main control (the registry list, the tree, the tag list), or the pane
 * itself (the image, a placeholder, a pane that failed). False when the pane is not on screen.
 */
export function focusPane(id: PaneId): boolean {
  const where = PANES.find((p) => p.id === id)!;
  const pane = document.querySelector<HTMLElement>(where.pane);
  if (!pane) return false;
  const target = where.target.map((t: string) => pane.querySelector<HTMLElement>(t)).find(Boolean) ?? pane;
  // A section is not focusable by itself: -1 makes it a focus target without adding a tab stop.
  if (!target.hasAttribute('tabindex') && !target.matches('button, input, select')) target.tabIndex = -1;
  target.focus();
  return true;
}

export function SkipLinks() {
  return (
    <nav className="skip-links" aria-label="Skip to">
      {PANES.map((p) => (
        <button key={p.id} className="skip-link" onClick={() => focusPane(p.id)}>Skip to {p.id}</button>
      ))}
    </nav>
  );
}
