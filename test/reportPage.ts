/**
 * Opens a report HTML file in headless Debian Chromium (the same binary and flags as the
 * MediaPipe reference harness) with every request and console message recorded, so a test
 * can prove the page needs no network and logs no error. Used by test/report-browser.test.ts
 * and bench/report.ts.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from './helpers/mediapipeReference.js';

export function chromiumUnavailableReason(): string {
  return existsSync(chromiumPath()) ? '' : `no Chromium at ${chromiumPath()} (apt-get install chromium, or set THEVAL_CHROMIUM)`;
}

export interface OpenedReport {
  browser: Browser;
  page: Page;
  /** Every URL the page asked for (the file itself included). */
  requests: string[];
  /** Requests that were not for the file itself (aborted: the page must work offline). */
  external: string[];
  /** console.error messages and uncaught exceptions. */
  errors: string[];
  /** Milliseconds from navigation start until the page's script marked itself ready. */
  readyMs: number;
}

export async function openReport(file: string, viewport = { width: 1400, height: 1000 }): Promise<OpenedReport> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  const page = await browser.newPage({ viewport });
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  const external: string[] = [];
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.route('**/*', async (route) => {
    const u = route.request().url();
    requests.push(u);
    if (u === url || u.startsWith(`${url}#`)) return route.continue();
    external.push(u);
    return route.abort();
  });
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
  await page.waitForSelector('body[data-ready="1"]', { timeout: 120_000 });
  return { browser, page, requests, external, errors, readyMs: Date.now() - t0 };
}
