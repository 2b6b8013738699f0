/**
 * The keyboard shortcuts of `/triage`, as plain data: the page lists them and the page script
 * (`web/client/triage.client.ts`) acts on them. No DOM here, so the mapping is tested in Node.
 */

/** What a key press asks for. */
export type ShortcutAction =
  | 'next'
  | 'previous'
  | 'confirm'
  | 'reject'
  | 'escalate'
  | 'select'
  | 'clear'
  | 'submitReject'
  | 'leave';

/** Key → action outside form fields (letters without modifiers). */
const ROW_KEYS: Record<string, ShortcutAction> = {
  j: 'next',
  k: 'previous',
  c: 'confirm',
  r: 'reject',
  e: 'escalate',
  x: 'select',
  v: 'clear',
};

/** The shortcuts as the page lists them. */
export const SHORTCUTS: readonly (readonly [keys: string, meaning: string])[] = [
  ['j / k', 'next / previous match'],
  ['c', 'confirm'],
  ['r', 'reject: pick a reason in the list that opens, then press Enter'],
  ['e', 'escalate'],
  ['x', 'select or unselect for a bulk decision'],
  ['v', 'show the preview clearly (again: blur it)'],
  ['Esc', 'leave the reason list'],
];

/** A key press, reduced to what decides the shortcut. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/**
 * The action for a key press. `where`: `row` (focus on a row, a button, a checkbox or the page),
 * `reason` (the reason list) or `field` (any other text field or list, where keys type).
 */
export function shortcutFor(press: KeyPress, where: 'row' | 'reason' | 'field'): ShortcutAction | undefined {
  if (press.ctrlKey || press.metaKey || press.altKey) return undefined;
  if (where === 'reason') {
    if (press.key === 'Escape') return 'leave';
    if (press.key === 'Enter') return 'submitReject';
    return undefined;
  }
  if (where === 'field') return press.key === 'Escape' ? 'leave' : undefined;
  return ROW_KEYS[press.key];
}
