// Child processes this process started must not outlive it: on exit, and on SIGINT/SIGTERM/SIGHUP, each
// registered child is killed. When nobody else listens for the signal, the listener re-raises it after the
// kill, so adding it does not change how the parent itself reacts to Ctrl-C.
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let installed = false;

/** Whether a process of this pid exists (signal 0 checks without signalling; EPERM: it exists, not ours). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killAll(signal: NodeJS.Signals): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, signal);
      } catch {
        // already gone
      }
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) === 1) {
    // Alone: act as the default would, after taking the children down.
    killAll('SIGKILL');
    children.clear();
    uninstall();
    process.kill(process.pid, signal);
    return;
  }
  // Someone else handles the signal (npm start stops the stack gracefully): give them a moment, then make sure.
  setTimeout(() => killAll('SIGKILL'), 5000).unref();
}

function onExit(): void {
  killAll('SIGKILL');
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** Kills `child` if this process exits or is signalled while it still runs. */
export function killOnExit(child: ChildProcess): void {
  children.add(child);
  install();
  child.once('exit', () => {
    children.delete(child);
    if (children.size === 0) uninstall();
  });
}
