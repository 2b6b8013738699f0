/**
 * Counts the TCP connections that given processes hold open to given remote ports, over Linux /proc:
 * a process's socket inodes (`/proc/PID/fd` → `socket:[INODE]`) joined with the kernel's connection
 * tables (`/proc/net/tcp`, `/proc/net/tcp6`). The Redis and Postgres servers of this machine are
 * shared with other work, so their own client counts cannot tell our workers' connections apart;
 * this can.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const ESTABLISHED = '01';

/** Remote port → established connections to it held by `pids`. Processes gone are skipped. */
export function connectionsTo(pids: readonly number[], ports: readonly number[]): Map<number, number> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) inodes.add(m[1]);
      } catch {
        // closed between listing and reading
      }
    }
  }
  const counts = new Map<number, number>(ports.map((p) => [p, 0]));
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      const remote = f[2];
      const state = f[3];
      const inode = f[9];
      if (!remote || state !== ESTABLISHED || !inode || !inodes.has(inode)) continue;
      const port = Number.parseInt(remote.split(':')[1] ?? '', 16);
      const n = counts.get(port);
      if (n !== undefined) counts.set(port, n + 1);
    }
  }
  return counts;
}
