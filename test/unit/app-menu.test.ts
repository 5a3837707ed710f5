import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { menuTemplate } from '../../electron/app-menu';

/** Every role in a template, submenus included. */
function roles(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((item) => [
    ...(item.role ? [item.role.toLowerCase()] : []),
    ...(Array.isArray(item.submenu) ? roles(item.submenu as MenuItemConstructorOptions[]) : []),
  ]);
}

describe('menuTemplate', () => {
  it.each(['linux', 'darwin', 'win32'] as const)('an installed build on %s has no way to open DevTools or reload', (platform) => {
    const found = roles(menuTemplate(platform, true));
    // Electron's stock View menu holds toggleDevTools: it must not appear, itself or as a role.
    expect(found).not.toContain('viewmenu');
    expect(found).not.toContain('toggledevtools');
    expect(found).not.toContain('reload');
    expect(found).not.toContain('forcereload');
    expect(found).toEqual(expect.arrayContaining(['editmenu', 'zoomin', 'zoomout', 'resetzoom', 'togglefullscreen']));
  });

  it('a development run keeps the stock View menu, DevTools included', () => {
    expect(roles(menuTemplate('linux', false))).toContain('viewmenu');
  });

  it('macOS alone gets the app menu', () => {
    expect(roles(menuTemplate('darwin', true))[0]).toBe('appmenu');
    expect(roles(menuTemplate('linux', true))).not.toContain('appmenu');
  });
});
