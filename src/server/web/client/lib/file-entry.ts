/**
 * One chosen file on the registration page: its row in the list (name shown here only, never sent),
 * its progress bar, and the fingerprints once they are ready. One bad file never stops the others.
 */
import { el } from './dom.js';
import { hashImageFile } from './image-hash.js';
import type { CaseItem } from './items.js';
import { hashVideoFile, VideoTooLongError } from './video-hash.js';

/** Shown for a file the browser cannot decode. Calm, and clear that nothing else is affected. */
export const UNREADABLE_MESSAGE =
  'This file could not be read as an image or video. It was skipped; the others are fine.';

const TOO_LONG_MESSAGE =
  'This video is longer than an hour, more than can be fingerprinted here. It was skipped; the others are fine.';

/** Where a file is in its short life on the page. */
export type EntryState = 'waiting' | 'working' | 'ready' | 'skipped';

/** Fingerprints of a file, trying the kind its type names first and the other one after. */
async function hashFile(file: File, onProgress: (f: number) => void): Promise<CaseItem> {
  if (file.type.startsWith('video/')) return hashVideoFile(file, onProgress);
  if (file.type.startsWith('image/')) return hashImageFile(file, onProgress);
  // No type (an unusual extension, or a file from a folder): let the decoders decide.
  try {
    return await hashImageFile(file, onProgress);
  } catch {
    return hashVideoFile(file, onProgress);
  }
}

/** A file in the list, with its row. `onChange` is called whenever its state changes. */
export class FileEntry {
  state: EntryState = 'waiting';
  item: CaseItem | null = null;
  removed = false;
  readonly row: HTMLLIElement;
  readonly #file: File;
  readonly #progress: HTMLProgressElement;
  readonly #status: HTMLElement;
  readonly #onChange: () => void;

  constructor(file: File, onChange: () => void, onRemove: (entry: FileEntry) => void) {
    this.#file = file;
    this.#onChange = onChange;
    this.row = el('li', 'file');
    const name = el('span', 'name', file.webkitRelativePath || file.name);
    this.#progress = el('progress');
    this.#progress.max = 1;
    this.#progress.value = 0;
    this.#progress.setAttribute('aria-label', `Fingerprinting ${file.name}`);
    this.#status = el('span', 'file-status', 'Waiting…');
    const remove = el('button', 'secondary small', 'Remove');
    remove.type = 'button';
    remove.setAttribute('aria-label', `Remove ${file.name} from the list`);
    remove.addEventListener('click', () => onRemove(this));
    this.row.append(name, this.#progress, this.#status, remove);
  }

  /** Works out the fingerprints; never throws (a failure is shown on the row instead). */
  async run(): Promise<void> {
    if (this.removed) return;
    this.#set('working', 'Working out fingerprints…');
    try {
      const item = await hashFile(this.#file, (f) => {
        this.#progress.value = f;
      });
      if (this.removed) return;
      this.item = item;
      this.#progress.value = 1;
      this.#set('ready', 'ready', 'status-ok');
    } catch (err) {
      if (this.removed) return;
      this.#progress.hidden = true;
      this.#set(
        'skipped',
        err instanceof VideoTooLongError ? TOO_LONG_MESSAGE : UNREADABLE_MESSAGE,
        'status-problem',
      );
    }
  }

  /** Forgets the file and its fingerprints (after registering, or when removed from the list). */
  forget(): void {
    this.removed = true;
    this.item = null;
  }

  #set(state: EntryState, text: string, className = ''): void {
    this.state = state;
    this.#status.textContent = text;
    this.#status.className = `file-status ${className}`.trim();
    this.#onChange();
  }
}
