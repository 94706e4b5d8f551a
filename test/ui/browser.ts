import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium package (.ci/run installs it): nothing here downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the tests leave screenshots of each page (git-ignored). */
export const SCREENSHOTS = path.join(__dirname, 'screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `test/ui needs Debian's Chromium at ${CHROMIUM}: apt-get install chromium (as .ci/run does); nothing downloads one`,
    );
  }
  // Root (CI) cannot use Chromium's sandbox; the pages are our own.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's violations on the page. Its source is evaluated through the DevTools protocol, which
 * the page's CSP (script-src 'self') does not govern, so the page is checked as it is served.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  // A string, evaluated in the page (the project's TypeScript has no DOM types).
  return page.evaluate<AxeViolation[]>(
    `axe.run().then(({ violations }) => violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })),
    })))`,
  );
}

/** Only what the brief forbids: serious and critical. */
export function serious(violations: readonly AxeViolation[]): AxeViolation[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
