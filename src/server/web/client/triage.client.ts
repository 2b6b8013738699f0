/**
 * `/triage` enhancements; the page works without them. Previews are fetched only when their row
 * scrolls into view, two at a time, and shown from an in-memory blob (or replaced by the server's
 * calm sentence when there is none). Keyboard shortcuts act on the current row by clicking its own
 * buttons, so every decision still goes through the same CSRF-checked form.
 */
import { type ShortcutAction, shortcutFor } from '../../triage/triage-keys.js';

const ROW = 'tr[data-match]';
const rows = (): HTMLTableRowElement[] => [...document.querySelectorAll<HTMLTableRowElement>(ROW)];
let current: HTMLTableRowElement | null = null;

// --- previews -------------------------------------------------------------------------------

const waiting: (() => Promise<void>)[] = [];
let running = 0;

function schedule(task: () => Promise<void>): void {
  waiting.push(task);
  pump();
}

function pump(): void {
  while (running < 2 && waiting.length) {
    const task = waiting.shift() as () => Promise<void>;
    running++;
    void task().finally(() => {
      running--;
      pump();
    });
  }
}

function parts(fig: HTMLElement) {
  return {
    img: fig.querySelector('img') as HTMLImageElement,
    note: fig.querySelector('.preview-note') as HTMLElement,
    button: fig.querySelector('button[data-action="clear"]') as HTMLButtonElement | null,
  };
}

function say(fig: HTMLElement, message: string): void {
  const { img, note } = parts(fig);
  img.hidden = true;
  img.removeAttribute('src');
  note.textContent = message;
  note.hidden = false;
}

async function load(fig: HTMLElement, view: 'blurred' | 'clear'): Promise<void> {
  const { img, note, button } = parts(fig);
  const url = `${fig.dataset.preview}${view === 'clear' ? '?view=clear' : ''}`;
  note.textContent = 'Loading the preview…';
  note.hidden = false;
  try {
    const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store', redirect: 'manual' });
    const type = res.headers.get('content-type') ?? '';
    if (res.ok && type.startsWith('image/')) {
      const objectUrl = URL.createObjectURL(await res.blob());
      img.addEventListener('load', () => URL.revokeObjectURL(objectUrl), { once: true });
      img.src = objectUrl;
      img.alt = view === 'clear' ? 'Clear preview' : 'Blurred, greyscale preview';
      img.hidden = false;
      note.hidden = true;
      fig.dataset.view = view;
      if (button) button.textContent = view === 'clear' ? 'Blur again' : 'Show clearly';
      return;
    }
    if (res.type === 'opaqueredirect' || type.startsWith('text/html')) {
      say(fig, 'You are signed out. Reload the page to sign in again.');
      return;
    }
    say(fig, (await res.text()).slice(0, 300) || 'No preview could be shown.');
    if (res.status === 410 || res.status === 404) button?.closest('form')?.remove();
  } catch {
    say(fig, 'The preview could not be loaded. Reloading the page may help.');
  }
}

const figures = [...document.querySelectorAll<HTMLElement>('figure[data-preview]')];
const observer = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const fig = entry.target as HTMLElement;
      observer.unobserve(fig);
      schedule(() => load(fig, 'blurred'));
    }
  },
  { rootMargin: '200px' },
);
for (const fig of figures) {
  observer.observe(fig);
  fig.querySelector('form.preview-clear')?.addEventListener('submit', (event) => {
    event.preventDefault();
    // Turning clear back to blurred fetches the blurred version again: nothing is kept.
    schedule(() => load(fig, fig.dataset.view === 'clear' ? 'blurred' : 'clear'));
  });
}

// --- keyboard -------------------------------------------------------------------------------

function focusRow(row: HTMLTableRowElement | undefined): void {
  if (!row) return;
  current = row;
  row.tabIndex = -1;
  row.focus();
  row.scrollIntoView({ block: 'nearest' });
}

function where(target: EventTarget | null): 'row' | 'reason' | 'field' {
  if (target instanceof HTMLSelectElement && target.name === 'reason') return 'reason';
  if (target instanceof HTMLInputElement) return target.type === 'checkbox' ? 'row' : 'field';
  if (target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement) return 'field';
  if (target instanceof HTMLElement && target.isContentEditable) return 'field';
  return 'row';
}

function click(row: HTMLTableRowElement, selector: string): void {
  row.querySelector<HTMLButtonElement>(selector)?.click();
}

function act(action: ShortcutAction, row: HTMLTableRowElement | null): boolean {
  const all = rows();
  if (action === 'next' || action === 'previous') {
    const at = row ? all.indexOf(row) : -1;
    focusRow(action === 'next' ? all[Math.min(at + 1, all.length - 1)] : all[Math.max(at - 1, 0)]);
    return true;
  }
  if (!row) return false;
  const reason = row.querySelector<HTMLSelectElement>('select[name="reason"]');
  switch (action) {
    case 'confirm':
    case 'escalate':
      click(row, `button[data-action="${action}"]`);
      return true;
    case 'reject':
      if (reason?.value) click(row, 'button[data-action="reject"]');
      else reason?.focus();
      return true;
    case 'submitReject':
      if (!reason?.value) return false;
      click(row, 'button[data-action="reject"]');
      return true;
    case 'select': {
      const box = row.querySelector<HTMLInputElement>('input[type="checkbox"]');
      if (box) box.checked = !box.checked;
      return true;
    }
    case 'clear':
      click(row, 'button[data-action="clear"]');
      return true;
    case 'leave':
      focusRow(row);
      return true;
    default:
      return false;
  }
}

document.addEventListener('focusin', (event) => {
  const row = (event.target as HTMLElement).closest?.<HTMLTableRowElement>(ROW);
  if (row) current = row;
});
document.addEventListener('keydown', (event) => {
  const action = shortcutFor(event, where(event.target));
  if (!action) return;
  const row = (event.target as HTMLElement).closest?.<HTMLTableRowElement>(ROW) ?? current;
  if (act(action, row ?? null)) event.preventDefault();
});
