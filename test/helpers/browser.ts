// Headless Chromium for browser tests: Debian's `chromium` package driven by playwright-core (no browser
// download). Fails with install instructions when Chromium is missing; CI installs it.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  Boolean,
) as string[];

export function chromiumPath(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found)
    throw new Error(
      "Chromium not found: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH",
    );
  return found;
}

/** Launches headless Chromium (playwright gives it a throw-away profile) with no background networking. */
export async function launchBrowser(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
    timeout: 30_000,
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => {});
    },
  };
}
