import { mount } from 'svelte';
import App from './App.svelte';
import { DatasetState } from './state/dataset.svelte.ts';
import { LayerState } from './state/layers.svelte.ts';
import { PreviewState } from './state/previews.svelte.ts';
import { connectClient } from './transport/connect.ts';
import { ComparisonState } from './state/comparison.svelte.ts';
import { EncodersState } from './state/encoders.svelte.ts';
import { ExportState } from './state/exports.svelte.ts';
import { RunLayerState } from './state/run-layers.svelte.ts';
import { RunsState } from './state/runs.svelte.ts';

const client = connectClient();
mount(App, {
  target: document.getElementById('app')!,
  props: {
    client,
    dataset: new DatasetState(client),
    layers: new LayerState(),
    previews: new PreviewState(client),
    runs: new RunsState(client),
    comparison: new ComparisonState(client),
    runLayers: new RunLayerState(client),
    exports: new ExportState(client),
    encoders: new EncodersState(client),
  },
});
