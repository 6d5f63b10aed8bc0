import { mount } from 'svelte';
import App from './App.svelte';
import { DatasetState } from './state/dataset.svelte.ts';
import { LayerState } from './state/layers.svelte.ts';
import { PreviewState } from './state/previews.svelte.ts';
import { connectClient } from './transport/connect.ts';

const client = connectClient();
mount(App, {
  target: document.getElementById('app')!,
  props: { client, dataset: new DatasetState(client), layers: new LayerState(), previews: new PreviewState(client) },
});
