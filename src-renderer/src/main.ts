import { mount } from 'svelte';
import App from './App.svelte';
import { AppModel } from './app-model.svelte.ts';
import './theme.css';
import { connectClient } from './transport/connect.ts';

mount(App, { target: document.getElementById('app')!, props: { app: new AppModel(connectClient()) } });
