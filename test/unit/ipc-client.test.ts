/**
 * The app's client path over Electron IPC, with a fake preload bridge standing in for ipcRenderer ↔ ipcMain: requests
 * reach a real EngineService through the same `toReply` the main process uses, replies cross a structured clone (what
 * IPC does to them), and errors come out as EngineErrors with their code, as over WebSocket.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { toReply, type EventEnvelope } from '../../src-main/api/contract.ts';
import { EngineError, isCancelled } from '../../src-main/api/errors.ts';
import { parseEvent } from '../../src-main/api/events.ts';
import { JobCancelledError } from '../../src-main/api/jobs.ts';
import { RUN_PROGRESS_EVENT } from '../../src-main/api/runs.ts';
import { ChipReadError } from '../../src-main/engine/geo/errors.ts';
import { EngineService } from '../../src-main/engine/service.ts';
import { ipcClient, type PreloadBridge } from '../../src-renderer/src/transport/ipc.ts';

/** ipcMain.handle + ipcRenderer.invoke: the handler's value crosses a structured clone (class and methods lost). */
function fakeBridge(handle: (name: string, payload: unknown) => Promise<unknown>): PreloadBridge & { push(event: unknown): void } {
  const listeners = new Set<(event: EventEnvelope) => void>();
  return {
    request: async (name, payload) => structuredClone(await toReply(() => handle(name, structuredClone(payload)))),
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    push: (event) => {
      for (const listener of listeners) listener(structuredClone(event) as EventEnvelope);
    },
  };
}

describe('IPC client', () => {
  const service = new EngineService({ demoWorkspace: null });
  afterAll(() => service.close());
  const client = ipcClient(fakeBridge((name, payload) => service.handle(name, payload)));

  it('returns the engine reply', async () => {
    const info = await client.request('engine.info', {});
    expect(info.workspaceDir).toBeNull();
    expect(info.platform).toBe(`${process.platform}-${process.arch}`);
  });

  it('throws an EngineError with the contract code for an invalid payload', async () => {
    const error = await client.request('dataset.inspect', { dir: 42 as unknown as string }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ code: 'invalid-payload', message: expect.stringMatching(/^invalid payload for "dataset.inspect": dir/) });
  });

  it('says what is not available on this host with a code, not only words', async () => {
    const error = await client.request('runs.list', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/no runs workspace/) });
  });

  it('keeps the cancelled code and the file of an engine error across the clone', async () => {
    const cancelling = ipcClient(fakeBridge(async () => Promise.reject(new JobCancelledError())));
    const cancelled = await cancelling.request('engine.info', {}).catch((e: unknown) => e);
    expect(isCancelled(cancelled)).toBe(true);
    expect(cancelled).toMatchObject({ message: 'the job was cancelled' });

    const failing = ipcClient(fakeBridge(async () => Promise.reject(new ChipReadError('no-crs', '/data/a.tif', 'no CRS'))));
    const failed = await failing.request('engine.info', {}).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'no-crs', file: '/data/a.tif', message: '/data/a.tif: no CRS' });
    expect(isCancelled(failed)).toBe(false);
  });

  it('passes events through, and the contract types and checks them', () => {
    const bridge = fakeBridge(async () => null);
    const seen: EventEnvelope[] = [];
    const stop = ipcClient(bridge).onEvent((event) => seen.push(event));
    const progress = {
      jobId: 'j',
      phase: 'train',
      epoch: 1,
      epochs: 2,
      step: 1,
      steps: 4,
      loss: 0.5,
      samplesPerSecond: null,
      etaSeconds: null,
      message: null,
    };
    bridge.push({ event: RUN_PROGRESS_EVENT, payload: { runId: 'run-1', progress } });
    stop();
    bridge.push({ event: RUN_PROGRESS_EVENT, payload: { runId: 'run-2', progress } });
    expect(seen).toHaveLength(1);
    expect(parseEvent(seen[0])).toEqual({ event: 'run.progress', payload: { runId: 'run-1', progress } });
    expect(parseEvent({ event: 'run.progress', payload: { runId: 'run-1' } })).toBeNull();
    expect(parseEvent({ event: 'no.such-event', payload: {} })).toBeNull();
  });
});
