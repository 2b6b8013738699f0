import type { CDPSession, Page } from 'playwright-core';

/**
 * Closes `page` without ever waiting forever. Chromium can acknowledge `Target.closeTarget` and
 * still keep the page when the close races a navigation commit, and Playwright's `page.close()`
 * then never settles; asking again closes it (microsoft/playwright#42366, #41900, #42068;
 * crbug.com/536385539; not fixed in playwright-core 1.65, whose second `close()` does not ask
 * again). Hostile pages navigate all the time, so: ask, wait up to `waitMs` for the page to report
 * closed, ask again over the page's own DevTools session, and after `attempts` leave the page to
 * the context's close.
 */
export async function closePage(
  page: Page,
  cdp: CDPSession | undefined,
  attempts = 3,
  waitMs = 1_000,
): Promise<void> {
  if (page.isClosed()) return;
  const closed = new Promise<void>((resolve) => page.once('close', () => resolve()));
  for (let i = 0; i < attempts && !page.isClosed(); i++) {
    if (i === 0 || !cdp) page.close({ runBeforeUnload: false }).catch(() => {});
    else void closeTarget(cdp);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }
}

async function closeTarget(cdp: CDPSession): Promise<void> {
  try {
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    await cdp.send('Target.closeTarget', { targetId: targetInfo.targetId });
  } catch {
    await cdp.send('Page.close').catch(() => {});
  }
}
