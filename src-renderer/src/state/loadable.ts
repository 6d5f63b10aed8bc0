/** What the app knows about something it asked the engine for: not yet asked, on its way, here, or why not. */
export type Loadable<T> = { status: 'idle' } | { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string };
export type LoadStatus = Loadable<unknown>['status'];

export const idle = <T>(): Loadable<T> => ({ status: 'idle' });

/** Runs `request`, reporting each state to `put`; returns the value (or null on error). */
export async function load<T>(request: () => Promise<T>, put: (state: Loadable<T>) => void): Promise<T | null> {
  put({ status: 'loading' });
  try {
    const value = await request();
    put({ status: 'ready', value });
    return value;
  } catch (error) {
    put({ status: 'error', message: error instanceof Error ? error.message : String(error) });
    return null;
  }
}

/** The message shown for a loadable: null when ready or idle. */
export function statusText(entry: Loadable<unknown> | undefined, loading: string): string | null {
  if (!entry) return null;
  return entry.status === 'loading' ? loading : entry.status === 'error' ? entry.message : null;
}
