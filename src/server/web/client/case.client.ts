/**
 * The case page: status and withdrawal with the case reference and PIN. The PIN travels only in the
 * `x-case-pin` header of same-origin requests, never in a URL, and is not kept after the page closes.
 */
import { callApi } from './lib/api.js';
import { byId, count, showMessage } from './lib/dom.js';
import { type CaseRemoval, removalSummary } from './lib/removal-text.js';

interface CaseStatus {
  ref: string;
  status: 'active' | 'withdrawn';
  registeredAt: string;
  withdrawnAt: string | null;
  items: { images: number; videos: number };
  platforms: { platform: string; confirmed: number; noticed: number; removed: number; urls?: string[] }[];
  totals: { confirmed: number; noticed: number; removed: number; pendingRemoval: number };
  removal?: CaseRemoval;
}

const form = byId('case-form', HTMLFormElement);
const refInput = byId('ref', HTMLInputElement);
const pinInput = byId('pin', HTMLInputElement);
const lookup = byId('lookup', HTMLButtonElement);
const errorBox = byId('case-error', HTMLElement);
const busyStatus = byId('case-status', HTMLElement);
const panel = byId('status', HTMLElement);
const withdrawButton = byId('withdraw', HTMLButtonElement);
const confirmBox = byId('withdraw-confirm', HTMLElement);
const confirmYes = byId('withdraw-yes', HTMLButtonElement);
const confirmNo = byId('withdraw-no', HTMLButtonElement);

/** The reference and PIN of the case on screen, for the withdrawal that may follow. */
let current: { pin: string; status: CaseStatus } | null = null;

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { dateStyle: 'long' });
}

/** What was typed, checked before anything is sent (the API would only answer with a field error). */
function credentials(): { ref: string; pin: string } | string {
  const ref = refInput.value.trim();
  const pin = pinInput.value.replace(/[\s-]/g, '');
  if (!ref) return 'Please enter your case reference. It looks like HW-7K3M-9Q2P.';
  if (ref.length > 32) return 'That case reference is longer than any we give out. Please check it.';
  if (!/^[0-9]{8,12}$/.test(pin))
    return 'Please enter your PIN: the number, usually 10 digits, you were given.';
  return { ref, pin };
}

function showStatus(s: CaseStatus): void {
  byId('status-ref', HTMLElement).textContent = s.ref;
  byId('status-registered', HTMLElement).textContent = formatDate(s.registeredAt);
  byId('status-items', HTMLElement).textContent =
    `${count(s.items.images, 'image')} and ${count(s.items.videos, 'video')}`;
  byId('status-state', HTMLElement).textContent =
    s.status === 'active'
      ? 'Active: the fingerprints are used to look for copies.'
      : `Withdrawn${s.withdrawnAt ? ` on ${formatDate(s.withdrawnAt)}` : ''}. The fingerprints were deleted and no new requests are sent.`;
  const t = s.totals;
  byId('status-progress', HTMLElement).textContent =
    t.confirmed === 0
      ? 'Nothing confirmed yet. Trained analysts check every possible match before anything is sent.'
      : `${t.confirmed} ${t.confirmed === 1 ? 'copy' : 'copies'} confirmed; removal requested for ${t.noticed}; ${t.removed} removed, ${t.pendingRemoval} still waiting.`;
  const removal = byId('status-removal-row', HTMLElement);
  removal.hidden = !s.removal || t.confirmed === 0;
  byId('status-removal', HTMLElement).textContent = s.removal ? removalSummary(s.removal) : '';
  showPlatforms(s.platforms ?? []);
  byId('show-urls', HTMLElement).hidden = t.confirmed === 0 || (s.platforms ?? []).some((p) => p.urls);
  byId('withdraw-area', HTMLElement).hidden = s.status !== 'active';
  confirmBox.hidden = true;
  withdrawButton.hidden = false;
  panel.hidden = false;
  byId('status-heading', HTMLElement).focus();
}

/** One line per platform, built with textContent only: names and addresses come from crawled sites. */
function showPlatforms(platforms: CaseStatus['platforms']): void {
  const box = byId('status-platforms', HTMLElement);
  box.replaceChildren();
  if (platforms.length === 0) return;
  const list = document.createElement('ul');
  for (const p of platforms) {
    const item = document.createElement('li');
    item.textContent = `${p.platform}: ${p.confirmed} confirmed, ${p.noticed} requested, ${p.removed} removed`;
    if (p.urls?.length) {
      const urls = document.createElement('ul');
      for (const u of p.urls) {
        const li = document.createElement('li');
        li.textContent = u;
        urls.append(li);
      }
      item.append(urls);
    }
    list.append(item);
  }
  box.append(list);
}

async function showUrls(): Promise<void> {
  if (current === null) return;
  const path = `/api/v1/cases/${encodeURIComponent(current.status.ref)}?urls=true`;
  const result = await callApi<CaseStatus>('GET', path, { headers: { 'x-case-pin': current.pin } });
  if (!result.ok) {
    showMessage(errorBox, result.message, true);
    return;
  }
  current = { pin: current.pin, status: result.data };
  showStatus(result.data);
}

async function show(): Promise<void> {
  const input = credentials();
  if (typeof input === 'string') {
    showMessage(errorBox, input, true);
    return;
  }
  showMessage(errorBox, null);
  lookup.disabled = true;
  busyStatus.textContent = 'Looking up your case…';
  const path = `/api/v1/cases/${encodeURIComponent(input.ref)}`;
  const result = await callApi<CaseStatus>('GET', path, { headers: { 'x-case-pin': input.pin } });
  lookup.disabled = false;
  busyStatus.textContent = '';
  if (!result.ok) {
    current = null;
    panel.hidden = true;
    showMessage(errorBox, result.message, true);
    return;
  }
  current = { pin: input.pin, status: result.data };
  showStatus(result.data);
}

async function withdraw(): Promise<void> {
  if (current === null) return;
  confirmYes.disabled = true;
  busyStatus.textContent = 'Withdrawing…';
  const { ref } = current.status;
  const path = `/api/v1/cases/${encodeURIComponent(ref)}`;
  const result = await callApi<{ ref: string; status: 'withdrawn' }>('DELETE', path, {
    headers: { 'x-case-pin': current.pin },
  });
  confirmYes.disabled = false;
  busyStatus.textContent = '';
  if (!result.ok) {
    showMessage(errorBox, result.message, true);
    return;
  }
  showMessage(errorBox, null);
  const before = current.status;
  current = null;
  pinInput.value = '';
  showStatus({ ...before, status: 'withdrawn', withdrawnAt: new Date().toISOString() });
  byId('status-items', HTMLElement).textContent = 'None: the fingerprints were deleted.';
  busyStatus.textContent = `Your case ${ref} has been withdrawn. Its fingerprints were deleted.`;
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void show();
});
withdrawButton.addEventListener('click', () => {
  withdrawButton.hidden = true;
  confirmBox.hidden = false;
  confirmNo.focus();
});
confirmNo.addEventListener('click', () => {
  confirmBox.hidden = true;
  withdrawButton.hidden = false;
  withdrawButton.focus();
});
confirmYes.addEventListener('click', () => void withdraw());
byId('show-urls', HTMLButtonElement).addEventListener('click', () => void showUrls());
lookup.disabled = false;
