import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; scripts/ensure-test-tools.sh installs it). */
export const CHROMIUM_BIN = process.env['TICKFLOW_CHROMIUM_BIN'] ?? '/usr/bin/chromium';

/** Where browser tests leave their screenshots (gitignored). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/**
 * Flags for a quiet, self-contained headless run: no sandbox (tests may run as root in a
 * container), no GPU, and nothing that talks to the network on its own (no QUIC, updates, sync,
 * background fetches), so the only traffic is the test's own, on loopback.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium with a fresh profile, and what its pages reported as errors. */
export interface Browser {
  readonly context: BrowserContext;
  /** A new page whose uncaught exceptions and console errors land in `errors`. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Uncaught page exceptions and console errors, `page url: message` each. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** Whether the system Chromium is there (the browser tests fail with a clear message if not). */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM_BIN);
}

/** Launches the system Chromium headless on a fresh temp profile; never downloads a browser. */
export async function launchChromium(): Promise<Browser> {
  if (!hasChromium()) {
    throw new Error(`${CHROMIUM_BIN} not found: apt-get install chromium (or set TICKFLOW_CHROMIUM_BIN)`);
  }
  const profile = await mkdtemp(join(tmpdir(), 'tickflow-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  const errors: string[] = [];
  const watch = (page: Page): void => {
    page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${page.url()}: console: ${message.text()}`);
    });
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    errors,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as `test-artifacts/{name}.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
