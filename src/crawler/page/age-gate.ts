import type { BrowserContext, Page } from 'playwright-core';

/** What an operator stored for a platform: cookies or storage that pass its gate, or what to click. */
export interface GatePreset {
  cookies?: { name: string; value: string; path?: string }[];
  localStorage?: Record<string, string>;
  clickSelector?: string;
  loadMoreSelector?: string;
}

export type GateOutcome = 'preset' | 'generic' | 'none' | 'unresolved';

/** Words on the buttons of age and consent gates, in the languages platforms use most. */
const GATE_TEXT =
  /\b(i am (18|over|older|an adult)|i'm (18|over)|18\+|enter|agree|accept|yes|continue|confirm|j'ai 18|ich bin 18|tengo 18|ho 18|eintreten|entrar|entrer)\b/i;

/** Applies a preset's cookies for the page's host and its localStorage before the page loads. */
export async function applyPreset(
  context: BrowserContext,
  url: string,
  preset: GatePreset | undefined,
): Promise<boolean> {
  if (!preset) return false;
  const { hostname, origin } = new URL(url);
  if (preset.cookies?.length) {
    await context.addCookies(
      preset.cookies.map((c) => ({ name: c.name, value: c.value, domain: hostname, path: c.path ?? '/' })),
    );
  }
  if (preset.localStorage && Object.keys(preset.localStorage).length) {
    const entries = JSON.stringify(preset.localStorage);
    await context.addInitScript(
      `if (location.origin === ${JSON.stringify(origin)}) { for (const [k, v] of Object.entries(${entries})) localStorage.setItem(k, v); }`,
    );
  }
  return Boolean(preset.cookies?.length || preset.localStorage);
}

/**
 * Passes an age or consent gate: the preset's selector when there is one, else a generic search
 * for a visible "I am 18 / Enter / I agree" control inside a fixed overlay or dialog. Succeeds
 * only when the overlay is then gone.
 */
export async function passGate(
  page: Page,
  preset: GatePreset | undefined,
  usedPresetStorage: boolean,
): Promise<GateOutcome> {
  if (preset?.clickSelector) {
    const target = page.locator(preset.clickSelector).first();
    if (await target.isVisible().catch(() => false)) {
      await target.click({ timeout: 5_000 });
      return 'preset';
    }
  }
  const marked = await page.evaluate((source) => {
    const re = new RegExp(source, 'i');
    const inOverlay = (el: Element): boolean => {
      for (let n: Element | null = el; n; n = n.parentElement) {
        const cs = getComputedStyle(n);
        if (n.matches('dialog, [role="dialog"], [aria-modal="true"]')) return true;
        if (
          (cs.position === 'fixed' || cs.position === 'sticky') &&
          n.getBoundingClientRect().width > innerWidth * 0.4
        )
          return true;
      }
      return false;
    };
    const candidates = [
      ...document.querySelectorAll('button, a, [role="button"], input[type="submit"], input[type="button"]'),
    ];
    for (const el of candidates) {
      const text = (el as HTMLInputElement).value || el.textContent || el.getAttribute('aria-label') || '';
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || !re.test(text) || !inOverlay(el)) continue;
      el.setAttribute('data-hw-gate', '1');
      return true;
    }
    return false;
  }, GATE_TEXT.source);
  if (!marked) return usedPresetStorage ? 'preset' : 'none';
  const control = page.locator('[data-hw-gate="1"]').first();
  await control.click({ timeout: 5_000 }).catch(() => {});
  const gone = await control.waitFor({ state: 'hidden', timeout: 3_000 }).then(
    () => true,
    () => false,
  );
  return gone ? 'generic' : 'unresolved';
}
