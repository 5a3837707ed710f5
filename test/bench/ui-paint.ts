/**
 * First paint of a big tag list in the UI: Debian's Chromium (playwright-core)
 * against `regdesk serve` (dist/cli.js), as a user opens a repository.
 *
 * What one run measures, inside the page, on the page's clock: from the click
 * on the repository (the click event's timeStamp) to the paint of the first
 * tag rows (Element Timing's renderTime of the rows marked
 * elementtiming="tag-row"). In between: the tags.list call through serve to
 * the registry (every tag in one answer), ordering them by version, and
 * rendering the rows in view. If Element Timing reports nothing, the end is
 * the first frame after the first row is in the DOM (requestAnimationFrame,
 * then a task, which runs after that frame's paint) and the result says so.
 * The split into data (until the tags.list response ended, Resource Timing)
 * and render (the rest) is reported beside the total.
 *
 * Every run starts a fresh `regdesk serve` and page, so neither the engine's
 * read cache nor react-query's has the listing: it is the first time the user
 * opens that repository. Figures are medians.
 */
import type { Browser } from 'playwright-core';
import { launchChromium, startServe } from '../helpers/ui';

export interface UiPaintResult {
  /** Click to first paint of the rows, median of the runs. */
  medianMs: number;
  /** Of that median run's parts, medians too: the listing's answer, and the rest. */
  dataMs: number;
  renderMs: number;
  runsMs: number[];
  method: 'element-timing' | 'frame-after-dom';
}

interface RunTiming {
  total: number;
  data: number;
  method: UiPaintResult['method'];
}

/**
 * Runs in the page before its own scripts: `window.__regdeskPaint` resolves
 * with the timings of the first click on `[data-repository=REPO]`. A string,
 * because this file is type-checked without the DOM.
 */
function pageProbe(repository: string): string {
  return `(() => {
    const REPO = ${JSON.stringify(repository)};
    let clickAt;
    let settled = false;
    window.__regdeskPaint = new Promise((resolve) => {
      const finish = (end, method) => {
        if (settled || clickAt === undefined) return;
        settled = true;
        const listing = performance.getEntriesByType('resource').filter((e) => e.name.includes('/rpc/tags.list')).at(-1);
        resolve({ total: end - clickAt, data: listing ? listing.responseEnd - clickAt : NaN, method });
      };
      document.addEventListener('click', (e) => {
        if (clickAt === undefined && e.target instanceof Element && e.target.closest('[data-repository="' + REPO + '"]')) clickAt = e.timeStamp;
      }, { capture: true });
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          const at = entry.renderTime || entry.loadTime;
          if (entry.identifier === 'tag-row' && clickAt !== undefined && at >= clickAt) finish(at, 'element-timing');
        }
      }).observe({ type: 'element', buffered: true });
      // The fallback: the first frame after a row is in the DOM, then a task (it runs after that frame's paint).
      // It is taken only if Element Timing, whose entries come a little later, has said nothing after a second.
      new MutationObserver((_, observer) => {
        if (clickAt === undefined || !document.querySelector('[data-tag]')) return;
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => {
          const painted = performance.now();
          setTimeout(() => finish(painted, 'frame-after-dom'), 1000);
        }, 0));
      }).observe(document, { childList: true, subtree: true });
    });
  })();`;
}

async function oneRun(browser: Browser, registry: string, repository: string, expectedTags: number): Promise<RunTiming> {
  const serve = await startServe(['--registry', registry]);
  const context = await browser.newContext({ viewport: { width: 1440, height: 860 } });
  try {
    const page = await context.newPage();
    await page.addInitScript(pageProbe(repository));
    await page.goto(serve.url);
    await page.getByRole('button', { name: new RegExp(registry.replace(/[.]/g, '\\.')) }).first().click();
    await page.getByLabel('Filter repositories').fill(repository);
    const row = page.locator(`[data-repository="${repository}"]`);
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    const timing = await page.evaluate<RunTiming>(`Promise.race([
      window.__regdeskPaint,
      new Promise((_, reject) => setTimeout(() => reject(new Error('no paint of the tag list within 30 s')), 30000)),
    ])`);
    // The list on screen is the whole listing, not a first page of it.
    const count = (await page.locator('.tags .count').textContent()) ?? '';
    if (count !== `${expectedTags.toLocaleString('en')} tags`) throw new Error(`the tag list says "${count}", expected ${expectedTags} tags`);
    return timing;
  } finally {
    await context.close();
    await serve.stop();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Medians over `runs` runs of opening `repository` (holding `expectedTags` tags) on `registry` in the UI. */
export async function uiFirstPaint(options: { registry: string; repository: string; expectedTags: number; runs: number }): Promise<UiPaintResult> {
  const browser = await launchChromium();
  try {
    const timings: RunTiming[] = [];
    for (let i = 0; i < options.runs; i++) timings.push(await oneRun(browser, options.registry, options.repository, options.expectedTags));
    const totals = timings.map((t) => t.total);
    const data = median(timings.map((t) => t.data));
    return {
      medianMs: median(totals),
      dataMs: data,
      renderMs: median(timings.map((t) => t.total - t.data)),
      runsMs: totals,
      method: timings.every((t) => t.method === 'element-timing') ? 'element-timing' : 'frame-after-dom',
    };
  } finally {
    await browser.close();
  }
}
