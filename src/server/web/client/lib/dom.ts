/**
 * Tiny DOM helpers for the page scripts. Text is always set with `textContent`, never as HTML, so a
 * file name or a server message can never become markup.
 */

/** The element with `id`, checked to be of the expected kind; a missing one is a bug in the page. */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof kind)) throw new Error(`page element #${id} is missing`);
  return found;
}

/** Creates an element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Shows a message in a live region (or hides it when `message` is null). Error regions are focused,
 * so keyboard and screen-reader users land on the explanation.
 */
export function showMessage(region: HTMLElement, message: string | null, focus = false): void {
  region.textContent = message ?? '';
  region.hidden = message === null;
  if (message !== null && focus) {
    region.tabIndex = -1;
    region.focus();
  }
}

/** Plural phrase: `count(2, 'image')` → `2 images`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
