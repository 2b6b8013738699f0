/**
 * The registration page: fingerprints computed on this device, consent, and a request that carries
 * only hashes, the consent answers and an optional email. File names and bytes never leave the page.
 */
import { callApi } from './lib/api.js';
import { byId, count, showMessage } from './lib/dom.js';
import { FileEntry } from './lib/file-entry.js';
import { uniqueItems } from './lib/items.js';
import { downloadText, receiptFileName, receiptText } from './lib/receipt.js';

const form = byId('register-form', HTMLFormElement);
const filesInput = byId('files', HTMLInputElement);
const folderInput = byId('folder', HTMLInputElement);
const list = byId('file-list', HTMLUListElement);
const summary = byId('files-summary', HTMLElement);
const errorBox = byId('form-error', HTMLElement);
const submit = byId('submit', HTMLButtonElement);
const submitStatus = byId('submit-status', HTMLElement);
const adult = byId('adult', HTMLInputElement);
const accept = byId('accept', HTMLInputElement);
const email = byId('email', HTMLInputElement);
const version = byId('consent-version', HTMLInputElement).value;

let entries: FileEntry[] = [];
/** Files are fingerprinted one at a time, in the order chosen, so memory stays bounded. */
let queue: Promise<void> = Promise.resolve();
let sending = false;
/** Files in chosen folders that were not images or videos, so the person knows why they are missing. */
let leftOut = 0;

function updateSummary(): void {
  const by = (s: FileEntry['state']) => entries.filter((e) => e.state === s).length;
  const busy = by('waiting') + by('working');
  const parts = [`${count(by('ready'), 'file')} ready`];
  if (busy) parts.push(`${busy} being fingerprinted`);
  if (by('skipped')) parts.push(`${by('skipped')} skipped`);
  const note =
    leftOut > 0
      ? ` ${count(leftOut, 'other file')} in the folder ${leftOut === 1 ? 'is' : 'are'} not an image or video and ${leftOut === 1 ? 'was' : 'were'} left out.`
      : '';
  summary.textContent = entries.length || leftOut ? `${parts.join(', ')}.${note}` : '';
}

function remove(entry: FileEntry): void {
  entry.forget();
  entry.row.remove();
  entries = entries.filter((e) => e !== entry);
  updateSummary();
  filesInput.focus();
}

/** A folder holds other things too (notes, thumbnails databases); only media is offered. */
function looksLikeMedia(file: File): boolean {
  if (file.type) return file.type.startsWith('image/') || file.type.startsWith('video/');
  return !file.name.startsWith('.');
}

function addFiles(input: HTMLInputElement, fromFolder: boolean): void {
  const files = [...(input.files ?? [])];
  const chosen = fromFolder ? files.filter(looksLikeMedia) : files;
  for (const file of chosen) {
    const entry = new FileEntry(file, updateSummary, remove);
    entries.push(entry);
    list.append(entry.row);
    queue = queue.then(() => entry.run());
  }
  // The input is cleared so that choosing the same file again is noticed; the list holds the files.
  input.value = '';
  leftOut += files.length - chosen.length;
  updateSummary();
}

function selectedRole(): string | null {
  const checked = form.querySelector<HTMLInputElement>('input[name="role"]:checked');
  return checked?.value ?? null;
}

/** The first thing that stops registration, in the words a person needs, or null. */
function problem(): string | null {
  const ready = entries.filter((e) => e.state === 'ready');
  if (entries.some((e) => e.state === 'waiting' || e.state === 'working'))
    return 'Some files are still being fingerprinted. Please wait until each one says “ready”, then press Register again.';
  if (ready.length === 0) return 'Please choose at least one image or video to register.';
  const role = selectedRole();
  if (role === null) return 'Please choose who is registering.';
  if (!adult.checked && role !== 'guardian')
    return 'Please confirm that you are 18 or over, or choose “I am a parent or guardian reporting for a minor”.';
  if (!accept.checked)
    return 'Please read the statement and tick “I have read and accept this statement” to continue.';
  if (!email.validity.valid)
    return 'That email address looks incomplete. You can correct it, or leave the field empty.';
  return null;
}

function showResult(ref: string, pin: string): void {
  for (const e of entries) e.forget();
  entries = [];
  form.hidden = true;
  byId('case-ref', HTMLElement).textContent = ref;
  byId('case-pin', HTMLElement).textContent = pin;
  const registeredAt = new Date();
  byId('save-receipt', HTMLButtonElement).addEventListener('click', () =>
    downloadText(receiptFileName(ref), receiptText(ref, pin, registeredAt, window.location.origin)),
  );
  byId('result', HTMLElement).hidden = false;
  byId('result-heading', HTMLElement).focus();
}

async function register(): Promise<void> {
  const blocker = problem();
  if (blocker !== null) {
    showMessage(errorBox, blocker, true);
    return;
  }
  showMessage(errorBox, null);
  const items = uniqueItems(entries.flatMap((e) => (e.state === 'ready' && e.item ? [e.item] : [])));
  const role = selectedRole();
  const body = {
    consent: { version, role, adult: adult.checked, accepted: true },
    ...(email.value.trim() ? { contactEmail: email.value.trim() } : {}),
    items,
  };
  sending = true;
  submit.disabled = true;
  submitStatus.textContent = `Sending the fingerprints of ${count(items.length, 'file')}…`;
  const result = await callApi<{ ref: string; pin: string; items: number }>('POST', '/api/v1/cases', {
    body,
  });
  sending = false;
  submit.disabled = false;
  submitStatus.textContent = '';
  if (!result.ok) {
    showMessage(errorBox, result.message, true);
    return;
  }
  showResult(result.data.ref, result.data.pin);
}

filesInput.addEventListener('change', () => addFiles(filesInput, false));
folderInput.addEventListener('change', () => addFiles(folderInput, true));
form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!sending) void register();
});
submit.disabled = false;
