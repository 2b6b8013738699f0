/**
 * Small waiting helpers for the page scripts. Hashing is synchronous JavaScript; giving control back
 * between steps keeps the page responsive (progress bars move, screen readers speak, buttons work).
 */

/** Resolves on a later task, after the browser has had a chance to paint and handle input. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Resolves with the first of `events` that `target` fires, or rejects on its `error` event or after
 * `timeoutMs`. Listeners are removed either way.
 */
export function whenEvent(
  target: EventTarget,
  events: readonly string[],
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      for (const name of events) target.removeEventListener(name, onEvent);
      target.removeEventListener('error', onError);
    };
    const onEvent = (e: Event): void => {
      cleanup();
      resolve(e.type);
    };
    const onError = (): void => {
      cleanup();
      reject(new Error('media error'));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${events.join(' or ')}`));
    }, timeoutMs);
    for (const name of events) target.addEventListener(name, onEvent);
    target.addEventListener('error', onError);
  });
}
