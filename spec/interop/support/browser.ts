// Headless Chromium for the interop specs: Debian's /usr/bin/chromium driven
// by playwright-core (which never downloads a browser), with a fresh
// throw-away profile, and a check that a screenshot shows something.

import type { Browser, Page } from 'playwright-core';
import { findProgram, type Program } from './programs.ts';

/** Where .ci/run's `apt-get install chromium` puts the browser. */
export const CHROMIUM: Program = findProgram('/usr/bin/chromium', 'chromium');

/** The flags of issue 8: no sandbox (root in CI), no GPU, nothing talking to the network but the page. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/**
 * Launches Chromium. playwright's launch() gives it a fresh temporary user
 * data dir (deleted again by close()), so no state leaks between runs.
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  if (CHROMIUM.path === undefined) throw new Error(CHROMIUM.missing);
  return chromium.launch({ executablePath: CHROMIUM.path, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** What a screenshot shows. */
export interface ScreenshotSummary {
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
  /** Distinct RGB colours among sampled pixels. */
  readonly colours: number;
}

/**
 * Takes a PNG screenshot of `page` and decodes it in the page itself (an
 * <img> drawn on a canvas) to count distinct colours: a blank page has one.
 * Page-side code is passed as source text: tsconfig has no DOM lib.
 */
export async function summarizeScreenshot(page: Page): Promise<ScreenshotSummary> {
  const png = await page.screenshot({ fullPage: true, type: 'png' });
  const decoded = (await page.evaluate(`(async () => {
    const image = new Image();
    image.src = 'data:image/png;base64,${png.toString('base64')}';
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const seen = new Set();
    for (let i = 0; i + 2 < data.length; i += 12) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return { width: canvas.width, height: canvas.height, colours: seen.size };
  })()`)) as { width: number; height: number; colours: number };
  return { bytes: png.length, ...decoded };
}
