/**
 * The case receipt: a short plain-text file with the reference and PIN, saved on the person's own
 * device (never sent anywhere), because the PIN cannot be shown again.
 */

/** The text of the receipt. `origin` is where the /case page lives, e.g. `https://hashwatch.example`. */
export function receiptText(ref: string, pin: string, registeredAt: Date, origin: string): string {
  return [
    'hashwatch case',
    '',
    `Case reference: ${ref}`,
    `PIN: ${pin}`,
    `Registered: ${registeredAt.toISOString().slice(0, 10)}`,
    '',
    `To see what happened, or to withdraw, open ${origin}/case and enter the case reference and PIN.`,
    'The PIN cannot be shown again. Keep this file somewhere private: anyone who has the reference',
    'and the PIN can see the case and withdraw it.',
    '',
  ].join('\n');
}

/** File name of the receipt, safe on every operating system. */
export function receiptFileName(ref: string): string {
  return `hashwatch-case-${ref.replace(/[^A-Za-z0-9-]/g, '')}.txt`;
}

/** Offers `text` as a download named `name` (a Blob URL, revoked once the click is handled). */
export function downloadText(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
