// One stack per --persist folder. A lock file in the folder names the stack's process and its DynamoDB Local:
// - a second stack on the same folder, while the first runs, refuses to start and says which process holds it
//   (two DynamoDB Locals on one database file would corrupt it);
// - a stack that was killed (SIGKILL: no chance to clean up) leaves its DynamoDB Local behind; the next start on
//   the folder finds that orphan by the lock file and stops it first.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './processCleanup.ts';

export const LOCK_FILE = 'stack.lock.json';

interface LockRecord {
  pid: number;
  startedAt: string;
  dynamodbPid?: number;
}

export class PersistFolderInUseError extends Error {
  override readonly name = 'PersistFolderInUseError';
}

/** The process's command line (Linux /proc), or undefined where it cannot be read. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

export interface PersistLock {
  /** The DynamoDB Local this stack started, so that a later start can stop it if this process is killed. */
  recordDynamoDb(pid: number): void;
  release(): void;
  /** The pid of an orphaned DynamoDB Local that was stopped while taking the lock. */
  orphanStopped?: number;
}

export async function acquirePersistLock(dir: string): Promise<PersistLock> {
  const file = join(dir, LOCK_FILE);
  let previous: LockRecord | undefined;
  try {
    previous = JSON.parse(readFileSync(file, 'utf8')) as LockRecord;
  } catch {
    previous = undefined; // no lock, or an unreadable one: nobody to respect
  }
  let orphanStopped: number | undefined;
  if (previous && previous.pid !== process.pid && isAlive(previous.pid) && (commandLine(previous.pid) ?? 'node').includes('node')) {
    throw new PersistFolderInUseError(
      `${dir} is in use by another local stack (pid ${previous.pid}, started ${previous.startedAt}); stop it first, or give this one another --persist folder`,
    );
  }
  const orphan = previous?.dynamodbPid;
  if (orphan !== undefined && isAlive(orphan) && (commandLine(orphan) ?? '').includes('DynamoDBLocal')) {
    process.kill(orphan, 'SIGTERM');
    for (let i = 0; i < 50 && isAlive(orphan); i++) await sleep(100);
    if (isAlive(orphan)) process.kill(orphan, 'SIGKILL');
    orphanStopped = orphan;
  }
  const record: LockRecord = { pid: process.pid, startedAt: new Date().toISOString() };
  const write = () => writeFileSync(file, `${JSON.stringify(record)}\n`);
  write();
  return {
    orphanStopped,
    recordDynamoDb(pid) {
      record.dynamodbPid = pid;
      write();
    },
    release() {
      try {
        const current = JSON.parse(readFileSync(file, 'utf8')) as LockRecord;
        if (current.pid === process.pid) rmSync(file, { force: true });
      } catch {
        // already gone
      }
    },
  };
}
