/**
 * An SMTP server on 127.0.0.1 that counts what it accepts per notice reference (the
 * `X-Hashwatch-Notice` header). It holds every message for `acceptDelayMs` after the final dot
 * before answering 250, so a worker can be killed while a send is in flight. A message counts as
 * delivered when the server decides to accept it, whether or not the client is still there to
 * hear the 250: that is the real-world worst case (a mail server that commits, then loses the
 * client), so a notice sent again after such a kill shows up as a second message.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  readonly url: string;
  /** Accepted messages per notice reference. */
  readonly byRef: Map<string, number>;
  /** Every accepted message, in order. */
  readonly accepted: { ref: string; rcpt: string[]; at: number }[];
  /** Client ports of sessions that are in the middle of a message (DATA started, no answer yet). */
  inFlight(): number[];
  close(): Promise<void>;
}

export async function startSmtpSink(opts: { acceptDelayMs: number }): Promise<SmtpSink> {
  const byRef = new Map<string, number>();
  const accepted: SmtpSink['accepted'] = [];
  const inFlight = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      inFlight.set(session.id, session.remotePort);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        setTimeout(() => {
          const raw = Buffer.concat(chunks).toString('latin1');
          const head = raw.slice(0, Math.max(0, raw.indexOf('\r\n\r\n')));
          const ref = /^x-hashwatch-notice:\s*(\S+)/im.exec(head)?.[1] ?? '(none)';
          byRef.set(ref, (byRef.get(ref) ?? 0) + 1);
          accepted.push({ ref, rcpt: session.envelope.rcptTo.map((r) => r.address), at: Date.now() });
          inFlight.delete(session.id);
          callback();
        }, opts.acceptDelayMs);
      });
    },
    onClose(session) {
      inFlight.delete(session.id);
    },
  });
  // A worker killed mid-send resets its connection; smtp-server reports that as an 'error' event,
  // which is expected here (and would otherwise surface as an unhandled error in vitest).
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    byRef,
    accepted,
    inFlight: () => [...inFlight.values()],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
