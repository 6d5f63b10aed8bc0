/** The app model reaches components through Svelte context: `provideApp` in the root, `useApp` anywhere below. */
import { getContext, setContext } from 'svelte';
import type { AppModel } from './app-model.svelte.ts';

const KEY = Symbol('floodlens-app');

export function provideApp(app: AppModel): AppModel {
  return setContext(KEY, app);
}

export function useApp(): AppModel {
  const app = getContext<AppModel | undefined>(KEY);
  if (!app) throw new Error('useApp() outside the app: the root component must call provideApp()');
  return app;
}
