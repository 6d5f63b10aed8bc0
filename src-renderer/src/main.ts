import { mount } from 'svelte';
import App from './App.svelte';
import { connectClient } from './transport/connect.ts';

const client = connectClient();
mount(App, { target: document.getElementById('app')!, props: { client } });
