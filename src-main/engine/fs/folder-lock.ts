import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * One writer per folder (a run folder while train/resume/evaluate write into it, a predict output folder).
 *
 * The lock is a file created with O_EXCL, holding who took it: pid, host, the process start time (Linux:
 * /proc/<pid>/stat, so a recycled pid is not mistaken for the holder) and a random token. A second writer
 * is refused with a message naming the holder. A lock left by a killed process on this host (pid gone, or
 * now another process) is stale and taken over: renamed aside atomically, checked to be the stale one (if a
 * live lock was grabbed in a race it is put back with link(), which cannot overwrite), then re-created with
 * O_EXCL. A lock from another host is never taken over (its pid cannot be checked from here).
 */
export const LOCK_FILE = 'floodlens.lock';

/** A lock file without content older than this is a leftover of a writer killed while creating it. */
const HALF_WRITTEN_GRACE_MS = 10_000;

interface LockOwner {
  pid: number;
  host: string;
  /** Process start time in clock ticks since boot (Linux), null elsewhere. */
  started: number | null;
  purpose: string;
  since: string;
  token: string;
}

export class FolderLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: Partial<LockOwner> | null,
    detail: string,
  ) {
    super(`${dir} is in use: ${detail}`);
    this.name = 'FolderLockedError';
  }
}

export interface FolderLock {
  readonly path: string;
  /** True when a stale lock of a killed process was taken over. */
  readonly tookOver: Partial<LockOwner> | null;
  release(): Promise<void>;
}

function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces and parentheses: fields restart after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]); // field 22, starttime
  } catch {
    return null;
  }
}

function isAlive(owner: Partial<LockOwner>): boolean {
  if (!Number.isSafeInteger(owner.pid) || owner.pid! <= 0) return false;
  try {
    process.kill(owner.pid!, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // the pid exists: is it still the process that took the lock?
  if (owner.started !== null && owner.started !== undefined) {
    const now = processStart(owner.pid!);
    if (now !== null && now !== owner.started) return false;
  }
  return true;
}

async function readOwner(path: string): Promise<Partial<LockOwner> | null> {
  try {
    const owner = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    return typeof owner === 'object' && owner !== null ? owner : {};
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return {}; // unreadable or half-written: treated as held (cannot prove it stale)
  }
}

function describe(owner: Partial<LockOwner>): string {
  return `${owner.purpose ?? 'another writer'} (pid ${owner.pid ?? '?'} on ${owner.host ?? '?'}, since ${owner.since ?? '?'})`;
}

async function createLock(path: string, owner: LockOwner): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(JSON.stringify(owner));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Removes the stale lock `seen` (by token) and nothing else; false when another process got there first. */
async function removeStale(path: string, seen: Partial<LockOwner>): Promise<boolean> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = await readOwner(aside);
  if (moved?.token !== seen.token) {
    // a live lock was created between our read and our rename: put it back (link never overwrites)
    await link(aside, path).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return false;
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

/** Takes the lock of `dir` (created if missing) for `purpose`, or throws FolderLockedError. */
export async function lockFolder(dir: string, purpose: string): Promise<FolderLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    started: processStart(process.pid),
    purpose,
    since: new Date().toISOString(),
    token: randomBytes(12).toString('hex'),
  };
  let tookOver: Partial<LockOwner> | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createLock(path, owner)) {
      let released = false;
      return {
        path,
        tookOver,
        async release() {
          if (released) return;
          released = true;
          const current = await readOwner(path);
          if (current?.token === owner.token) await unlink(path).catch(() => undefined);
        },
      };
    }
    const holder = await readOwner(path);
    if (holder === null) continue; // released meanwhile: try again
    if (holder.token === undefined) {
      // half-written (its writer was killed between create and write) or foreign: stale once it is old
      const age = Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? Date.now());
      if (age < HALF_WRITTEN_GRACE_MS) throw new FolderLockedError(dir, holder, `${path} is being taken by another writer`);
      if (await removeStale(path, holder)) tookOver = holder;
      continue;
    }
    if (holder.host !== owner.host) {
      throw new FolderLockedError(
        dir,
        holder,
        `${describe(holder)} holds ${path}; it is another machine's lock, so it cannot be checked from here — remove the file if that writer is gone`,
      );
    }
    if (isAlive(holder))
      throw new FolderLockedError(dir, holder, `${describe(holder)} is writing into it; wait for it to finish, or use another folder`);
    if (await removeStale(path, holder)) tookOver = holder;
  }
  throw new FolderLockedError(dir, null, `could not take ${path} (other writers keep taking it)`);
}

/** Runs `work` while holding the lock of `dir`; releases it whatever happens. */
export async function withFolderLock<T>(dir: string, purpose: string, work: (lock: FolderLock) => Promise<T>): Promise<T> {
  const lock = await lockFolder(dir, purpose);
  try {
    return await work(lock);
  } finally {
    await lock.release();
  }
}
