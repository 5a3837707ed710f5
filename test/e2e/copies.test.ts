/**
 * Copies never surprise, and the Image pane matches the registry, in real
 * Chromium against `regdesk serve`: no destination preselected equal to the
 * source and a copy onto itself refused in the dialog; a replaced tag said
 * with both digests and confirmed before Start; tags of one image copied at
 * once sending each blob once (the fault proxy's request log); copy cards by
 * display name with platforms, never wrapping inside a word (1400×860 and
 * 1024×700), cleared, Retry gone once a retry succeeded, "Open in
 * destination"; a card that stays done when the copy list asked during the
 * copy arrives after it ended (the answer held in the browser, the copy held at
 * a gate); Start running the plan shown (a moved source tag said on the
 * card, a moved destination tag refused without a blind Retry); then per-platform image sizes, Manifest following the picked
 * platform, Referrers listing the index's attestation, an update refreshing
 * the open image, and a watch's baseline. Screenshots in test/e2e/screenshots/.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildImage } from '../../electron/demo/images';
import { startFaultProxy, type FaultProxy } from '../rig/fault-proxy';
import { RigPusher } from '../rig/push';
import { startRegistry, type RigRegistry } from '../rig/registry';
import { digestAt } from '../helpers/uploads';
import { expectInView } from '../helpers/in-view';
import { openEvents } from '../helpers/events';
import { startGate } from '../helpers/gate';
import { launchChromium, startServe, type Serve } from '../helpers/ui';

const rig = inject('rig');
const multi = rig.fixtures.multi;
const SHOTS = join(process.cwd(), 'test/e2e/screenshots');

let destination: RigRegistry;
/** The destination as serve reaches it: every request recorded. */
let proxy: FaultProxy;
let serve: Serve;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  destination = await startRegistry();
  proxy = await startFaultProxy(destination.url);
  serve = await startServe(['--registry', rig.registry.host, '--registry', proxy.host]);
  const named = await serve.rpc('registries.update', { host: proxy.host, name: 'Staging' });
  if (!named.ok) throw new Error(`naming the destination failed: ${JSON.stringify(named.error)}`);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 860 }, colorScheme: 'light' });
  await page.goto(serve.url);
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await proxy?.close();
  await destination?.stop();
});

async function openImage(registry: string, repository: string, tag: string): Promise<void> {
  await page.locator(`[data-registry="${registry}"] .registry-button`).click();
  await page.getByLabel('Open repository').fill(repository);
  await page.getByLabel('Open repository').press('Enter');
  await page.locator(`[data-tag="${tag}"]`).click();
}

/** Clears the finished copies, when there are any (each test also runs alone). */
async function clearFinished(): Promise<void> {
  const button = page.getByRole('button', { name: 'Clear finished' });
  if (await button.count()) await button.click();
  await expect.poll(() => page.locator('.job').count()).toBe(0);
}

const dialog = () => page.getByRole('dialog', { name: 'Copy image' });

/** Opens the copy dialog on `source`'s tag and plans the copy to `to`; resolves once the plan is shown. */
async function planInDialog(source: { registry: string; repository: string; tag: string }, to: { registry: string; repository?: string; tag?: string }): Promise<void> {
  await openImage(source.registry, source.repository, source.tag);
  await page.getByRole('button', { name: 'Copy to…' }).click();
  await dialog().getByLabel('Destination registry').selectOption(to.registry);
  if (to.repository) await dialog().getByLabel('Destination repository').fill(to.repository);
  if (to.tag) await dialog().getByLabel('Destination tag').fill(to.tag);
  await dialog().getByRole('button', { name: 'Plan' }).click();
  await expect.poll(() => dialog().getByLabel('Copy plan').count()).toBe(1);
}

/** Every word of every copy card sits on one line (no wrap inside it) and no card is wider than the queue. */
async function cardsWrapBetweenWords(): Promise<void> {
  const broken = await page.evaluate<string[]>(`[...document.querySelectorAll('.job .route .word')]
    .filter((w) => w.getClientRects().length !== 1).map((w) => w.textContent)
    .concat([...document.querySelectorAll('.job')].filter((j) => j.scrollWidth > j.clientWidth).map((j) => 'overflowing card'))`);
  expect(broken).toEqual([]);
}

describe('copies never surprise', () => {
  it('preselects no destination equal to the source, and refuses a copy onto itself with the reason', async () => {
    await openImage(rig.registry.host, multi.repo, multi.tag);
    await page.getByRole('button', { name: 'Copy to…' }).click();
    expect(await dialog().getByLabel('Destination registry').inputValue()).toBe('');
    expect(await dialog().getByRole('button', { name: 'Plan' }).isDisabled()).toBe(true);
    await dialog().getByLabel('Destination registry').selectOption(rig.registry.host);
    await expect.poll(() => dialog().getByRole('alert').textContent()).toContain('is the source itself: a copy onto itself changes nothing');
    await page.setViewportSize({ width: 1024, height: 700 });
    await expectInView(page, dialog().getByRole('alert'));
    await page.setViewportSize({ width: 1400, height: 860 });
    expect(await dialog().getByRole('button', { name: 'Plan' }).isDisabled()).toBe(true);
    expect(await dialog().getByRole('button', { name: 'Start' }).isDisabled()).toBe(true);
    // Another tag is a real copy: the refusal goes.
    await dialog().getByLabel('Destination tag').fill('copy-of-1.0');
    expect(await dialog().getByRole('alert').count()).toBe(0);
    await page.keyboard.press('Escape');
    // The engine refuses it too, whoever asks.
    const asked = await serve.rpc('copy.start', { source: { registry: rig.registry.host, repository: multi.repo, reference: multi.tag }, destination: { registry: rig.registry.host, repository: multi.repo, tag: multi.tag } });
    expect(asked.ok).toBe(false);
    expect(asked.error?.message).toContain('is the source itself');
  });

  it('says a copy replaces an existing tag, with both digests, and starts only once that is confirmed', async () => {
    const other = buildImage();
    await new RigPusher(destination).push(multi.repo, other, [multi.tag]);
    await openImage(rig.registry.host, multi.repo, multi.tag);
    await page.getByRole('button', { name: 'Copy to…' }).click();
    await dialog().getByLabel('Destination registry').selectOption(proxy.host);
    await dialog().getByRole('button', { name: 'Plan' }).click();
    const replaced = dialog().getByRole('group', { name: 'Replaces existing tags' });
    await expect.poll(() => replaced.textContent()).toContain(`${other.digest.slice(0, 19)} will be replaced by ${multi.digest.slice(0, 19)}`);
    expect(await dialog().getByRole('button', { name: 'Start' }).isDisabled()).toBe(true);
    await replaced.getByLabel('Replace it').check();
    await page.screenshot({ path: join(SHOTS, 'copy-overwrite.png') });
    // In the smallest window too, the confirmation and Start are in view, not below the fold.
    await page.setViewportSize({ width: 1024, height: 700 });
    await expectInView(page, dialog());
    await expectInView(page, dialog().getByRole('button', { name: 'Start' }));
    await page.screenshot({ path: join(SHOTS, 'copy-overwrite-narrow.png') });
    await page.setViewportSize({ width: 1400, height: 860 });
    await dialog().getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.locator('[data-job-state="done"]').count()).toBe(1);
    expect(await digestAt(destination, multi.repo, multi.tag)).toBe(multi.digest);
  });

  it('copies three tags of one image sending each blob once, and every card tells its truth by display name', async () => {
    const image = buildImage();
    await new RigPusher(destination).push('dedupe/source', image, ['a', 'b', 'c']);
    await clearFinished();
    proxy.requests.length = 0;
    await openImage(proxy.host, 'dedupe/source', 'a');
    await page.locator('[data-tag="b"]').click({ modifiers: ['Control'] });
    await page.locator('[data-tag="c"]').click({ modifiers: ['Control'] });
    await page.getByRole('button', { name: 'Copy 3 tags…' }).click();
    await dialog().getByLabel('Destination registry').selectOption(proxy.host);
    await dialog().getByLabel('Destination repository').fill('dedupe/copy');
    await dialog().getByRole('button', { name: 'Plan' }).click();
    await expect.poll(() => dialog().getByLabel('Copy plan').textContent()).toContain('once for all 3 tags');
    await dialog().getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.locator('[data-job-state="done"]').count()).toBe(3);
    const uploads = proxy.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v2/dedupe/copy/blobs/uploads/'));
    expect(uploads.length).toBe(image.blobs.length);
    const card = page.locator('.job').first();
    expect(await card.locator('.job-route').textContent()).toMatch(/^Staging dedupe\/source:[abc]→\u00a0Staging dedupe\/copy:[abc]$/);
    expect(await card.textContent()).not.toContain(proxy.host);
    expect(await card.locator('.job-platforms').textContent()).toBe('single-platform image');
    expect(await card.locator('.job-status').textContent()).toMatch(/^done in [\d.]+ s: 3 blobs/);
    await cardsWrapBetweenWords();
    await page.screenshot({ path: join(SHOTS, 'copy-cards.png') });
    await page.setViewportSize({ width: 1024, height: 700 });
    await cardsWrapBetweenWords();
    await page.screenshot({ path: join(SHOTS, 'copy-cards-narrow.png') });
    await page.setViewportSize({ width: 1400, height: 860 });

    // Cleared one by one; "Open in destination" opens the copy.
    await card.getByRole('button', { name: 'Clear this copy' }).click();
    await expect.poll(() => page.locator('.job').count()).toBe(2);
    await page.locator('.job').first().getByRole('button', { name: 'Open in destination' }).click();
    await expect.poll(() => page.locator('section.pane.image h2').textContent()).toMatch(/^dedupe\/copy:[abc]$/);
    expect(await page.locator('section.pane.image .facts').first().textContent()).toContain(image.digest);
  });

  it('drops Retry from a failed copy once its retry succeeded', async () => {
    await clearFinished();
    proxy.add({ method: 'PUT', path: /\/v2\/retry\/app\/manifests\//, times: 1, action: { kind: 'status', status: 400 } });
    const started = await serve.rpc('copy.start', { source: { registry: rig.registry.host, repository: multi.repo, reference: multi.tag }, destination: { registry: proxy.host, repository: 'retry/app', tag: 'x' } });
    expect(started.ok).toBe(true);
    const failed = page.locator('[data-job-state="failed"]');
    await expect.poll(() => failed.count()).toBe(1);
    await failed.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => page.locator('[data-job-state="done"]').count()).toBe(1);
    expect(await failed.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    // The failed card's message names a digest: it stays inside its card.
    await cardsWrapBetweenWords();
    expect(await page.locator('[data-job-state="done"] .job-platforms').textContent()).toBe('linux/amd64, linux/arm64/v8, linux/arm/v7');
    proxy.clear();
  });
});

describe('a card tells its truth when answers cross', () => {
  it('stays done when the copy list, asked while the copy ran, arrives after the copy ended (it used to read running for good)', async () => {
    await clearFinished();
    const image = buildImage();
    await new RigPusher(destination).push('crossing/source', image, ['1.0']);
    // The destination behind a gate that holds the manifest PUT: the copy runs until the test lets it end.
    const gate = await startGate(destination.url, (req) => req.method === 'PUT' && /\/manifests\//.test(req.url ?? ''));
    const events = await openEvents(serve);
    try {
      const added = await serve.rpc('registries.add', { host: gate.host, name: 'Gated', unchecked: true });
      expect(added.ok).toBe(true);
      // The list the UI asks after Start is answered as it was then (the copy running), and handed to the page only after the page saw the copy end.
      let listAsked!: () => void;
      const asked = new Promise<void>((resolve) => (listAsked = resolve));
      let deliver!: () => void;
      const delivered = new Promise<void>((resolve) => (deliver = resolve));
      let armed = false;
      await page.route('**/rpc/copy.list', async (route) => {
        if (!armed) return route.continue();
        armed = false;
        const response = await route.fetch();
        listAsked();
        await delivered;
        await route.fulfill({ response });
      });

      await page.reload();
      await planInDialog({ registry: proxy.host, repository: 'crossing/source', tag: '1.0' }, { registry: gate.host });
      armed = true;
      await dialog().getByRole('button', { name: 'Start' }).click();
      await asked;
      const job = await events.next('copy.updated', (j) => j.destination.startsWith(gate.host));
      gate.release();
      await events.jobEnded(job.id);
      const card = page.locator(`[data-job="${job.id}"]`);
      await expect.poll(() => card.getAttribute('data-job-state')).toBe('done');

      const staleArrived = page.waitForEvent('requestfinished', (req) => req.url().endsWith('/rpc/copy.list'));
      deliver();
      await staleArrived;
      // Two frames after the stale answer arrived: it has been merged and rendered.
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
      expect(await card.getAttribute('data-job-state')).toBe('done');
      expect(await card.locator('.job-status').textContent()).toMatch(/^done in [\d.]+ s: 3 blobs/);
    } finally {
      await page.unroute('**/rpc/copy.list');
      events.close();
      await serve.rpc('registries.remove', { host: gate.host });
      await gate.close();
    }
  });
});

describe('Start runs the plan that was shown', () => {
  it('copies the reviewed image when the source tag moved, saying so on the card; refuses when the destination tag moved, offering no blind Retry', async () => {
    await clearFinished();
    const pusher = new RigPusher(destination);
    const reviewed = buildImage();
    await pusher.push('reviewed/source', reviewed, ['1.0']);
    const source = { registry: proxy.host, repository: 'reviewed/source', tag: '1.0' };
    await planInDialog(source, { registry: proxy.host, repository: 'reviewed/copy' });
    expect(await dialog().getByLabel('Copy plan').textContent()).toContain(`digest ${reviewed.digest}`);
    const later = buildImage();
    await pusher.push('reviewed/source', later, ['1.0']);
    await dialog().getByRole('button', { name: 'Start' }).click();
    const done = page.locator('[data-job-state="done"]');
    await expect.poll(() => done.count()).toBe(1);
    expect(await done.locator('.warning').textContent()).toBe(
      `${proxy.host}/reviewed/source:1.0 moved to ${later.digest.slice(0, 19)} after the plan; the copy took the image you reviewed (${reviewed.digest.slice(0, 19)})`);
    expect(await digestAt(destination, 'reviewed/copy', '1.0')).toBe(reviewed.digest);
    await cardsWrapBetweenWords();
    await page.screenshot({ path: join(SHOTS, 'copy-source-moved.png') });

    // Planned over a tag that does not exist; someone pushes it before Start.
    await planInDialog(source, { registry: proxy.host, repository: 'reviewed/copy', tag: '2.0' });
    const unseen = buildImage();
    await pusher.push('reviewed/copy', unseen, ['2.0']);
    await dialog().getByRole('button', { name: 'Start' }).click();
    const failed = page.locator('[data-job-state="failed"]');
    await expect.poll(() => failed.count()).toBe(1);
    expect(await failed.locator('.error-message').textContent()).toBe(
      `${proxy.host}/reviewed/copy:2.0 now names ${unseen.digest.slice(0, 19)} (it did not exist when the copy was planned); nothing was written`);
    expect(await failed.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    expect(await digestAt(destination, 'reviewed/copy', '2.0')).toBe(unseen.digest);
    await cardsWrapBetweenWords();
    await page.screenshot({ path: join(SHOTS, 'copy-destination-moved.png') });
  });
});

describe('the Image pane matches the registry', () => {
  it.each([
    { width: 1400, height: 860, shot: '' },
    { width: 1024, height: 700, shot: '-narrow' },
  ])('shows image sizes per platform, the picked platform’s manifest, and the index’s attestation as a referrer, at $width×$height', async ({ width, height, shot }) => {
    await page.setViewportSize({ width, height });
    await openImage(rig.registry.host, multi.repo, multi.tag);
    const arm64 = multi.children.find((c) => c.platform?.architecture === 'arm64')!;
    await expect.poll(() => page.locator('table.platforms tbody tr').count()).toBe(3);
    // The size column is the image's (config and layers), as the Image size fact says for the picked platform.
    await page.locator('[data-platform="linux/arm64/v8"]').click();
    await expect.poll(() => page.locator('.facts').first().textContent()).toContain('(linux/arm64/v8)');
    const fact = (await page.locator('.facts').first().textContent())!.match(/Image size(.+?) \(linux\/arm64\/v8\)/)![1];
    expect(await page.locator('[data-platform="linux/arm64/v8"] td').nth(2).textContent()).toBe(fact);

    await page.getByRole('tab', { name: 'manifest' }).click();
    await expect.poll(() => page.locator('.manifest-caption').textContent()).toContain(`Manifest of linux/arm64/v8 ${arm64.digest.slice(0, 19)}`);
    expect(JSON.parse((await page.getByLabel('Manifest', { exact: true }).textContent())!)).toEqual(JSON.parse(Buffer.from(arm64.manifestBase64, 'base64').toString()));
    expect(await page.getByRole('button', { name: 'Copy manifest' }).count()).toBe(1);
    await page.getByRole('group', { name: 'Which manifest' }).getByRole('button', { name: 'index' }).click();
    await expect.poll(() => page.locator('.manifest-caption').textContent()).toContain(`Index ${multi.digest.slice(0, 19)}`);
    await expectInView(page, page.locator('.manifest-caption'));
    await page.screenshot({ path: join(SHOTS, `manifest-platform${shot}.png`) });

    await page.getByRole('tab', { name: 'referrers' }).click();
    const referrers = page.getByRole('table', { name: 'Referrers' });
    await expect.poll(() => referrers.locator('tbody tr').count()).toBe(1);
    expect(await referrers.locator('tbody tr').textContent()).toContain('linux/amd64');
    expect(await referrers.locator('tbody tr').textContent()).toContain('in the index');
    await expectInView(page, referrers);
    await page.screenshot({ path: join(SHOTS, `referrers-attestation${shot}.png`) });
    await page.setViewportSize({ width: 1400, height: 860 });
  });

  it('refreshes the open image when a check finds it changed, and a fresh watch flags nothing that existed before it', async () => {
    const pusher = new RigPusher(destination);
    await pusher.push('watched/app', buildImage(), ['1.0']);
    await pusher.push('watched/app', buildImage(), ['1.1']);
    await openImage(proxy.host, 'watched/app', '1.0');
    await page.getByRole('button', { name: '☆ Watch' }).click();
    await page.getByRole('dialog', { name: 'Watch settings' }).getByRole('button', { name: 'Watch' }).click();
    const item = page.locator(`[data-watch="${proxy.host}/watched/app:1.0"]`);
    await expect.poll(() => item.count()).toBe(1);
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect.poll(() => item.textContent()).toContain('up to date');

    const next = buildImage();
    await pusher.push('watched/app', next, ['1.0']);
    await page.getByRole('button', { name: 'Check now' }).click();
    await expect.poll(() => item.getAttribute('class')).toContain('has-update');
    await expect.poll(() => page.locator('section.pane.image .facts').first().textContent()).toContain(next.digest);
  });
});
