import { describe, expect, it } from 'vitest';
import { SHORTCUTS, shortcutFor } from './triage-keys.js';

const press = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe('triage keyboard shortcuts', () => {
  it('maps the row keys to their actions', () => {
    const got = ['j', 'k', 'c', 'r', 'e', 'x', 'v'].map((k) => shortcutFor(press(k), 'row'));
    expect(got).toEqual(['next', 'previous', 'confirm', 'reject', 'escalate', 'select', 'clear']);
    expect(shortcutFor(press('q'), 'row')).toBeUndefined();
  });

  it('leaves typing, browser shortcuts and capitals alone', () => {
    expect(shortcutFor(press('c'), 'field')).toBeUndefined();
    expect(shortcutFor(press('c', { ctrlKey: true }), 'row')).toBeUndefined();
    expect(shortcutFor(press('r', { metaKey: true }), 'row')).toBeUndefined();
    expect(shortcutFor(press('C'), 'row')).toBeUndefined();
  });

  it('submits a rejection from the reason list with Enter and leaves it with Esc', () => {
    expect(shortcutFor(press('Enter'), 'reason')).toBe('submitReject');
    expect(shortcutFor(press('Escape'), 'reason')).toBe('leave');
    expect(shortcutFor(press('r'), 'reason')).toBeUndefined();
  });

  it('lists exactly the keys it acts on', () => {
    // Split "j / k" into its keys; the list must name every key with an action, and nothing else.
    const listed = SHORTCUTS.flatMap(([keys]) => keys.split(' / ')).sort();
    expect(listed).toEqual(['Esc', 'c', 'e', 'j', 'k', 'r', 'v', 'x'].sort());
    const acted = [...'abcdefghijklmnopqrstuvwxyz0123456789'].filter((k) => shortcutFor(press(k), 'row'));
    expect(acted.sort()).toEqual(listed.filter((k) => k !== 'Esc'));
    expect(shortcutFor(press('Escape'), 'reason')).toBe('leave');
  });
});
