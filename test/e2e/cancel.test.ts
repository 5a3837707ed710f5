/**
 * A query the user leaves is cancelled all the way down: in real Chromium, a
 * tag list still loading when another repository is clicked closes its request
 * to `regdesk serve`, and serve gives up the registry request under it.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startGate, type Gate } from '../helpers/gate';
import { launchChromium, startServe, type Serve } from '../helpers/ui';

const rig = inject('rig');
const { multi, schema2 } = rig.fixtures;

let gate: Gate;
let serve: Serve;
let browser: Browser;

beforeAll(async () => {
  // Holds the multi repository's tag list; everything else goes through.
  gate = await startGate(rig.registry.url, new RegExp(`/v2/${multi.repo}/tags/list`));
  serve = await startServe(['--registry', gate.host]);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await gate?.close();
});

describe('leaving a query before its answer', () => {
  it('cancels the registry request under it, and the repository clicked next loads', async () => {
    const page = await browser.newPage();
    await page.goto(serve.url);
    await page.getByRole('button', { name: new RegExp(gate.host) }).first().click();
    await page.getByLabel('Filter repositories').fill('fixtures/');
    await page.locator(`[data-repository="${multi.repo}"]`).click();
    await gate.held(1);
    expect(gate.abandonedCount()).toBe(0);

    await page.locator(`[data-repository="${schema2.repo}"]`).click();
    // Without cancellation the held request stays open until released, and this never resolves.
    await gate.abandoned(1);
    await page.locator(`[data-tag="${schema2.tag}"]`).waitFor();
    expect(gate.requests.filter((r) => r.includes(`/v2/${multi.repo}/tags/list`))).toHaveLength(1);
    await page.close();
  });
});
