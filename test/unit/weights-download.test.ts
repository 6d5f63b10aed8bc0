import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main.ts';
import { downloadFile, partPath } from '../../src-main/engine/weights/download.ts';
import { DownloadError } from '../../src-main/engine/weights/errors.ts';
import type { DownloadProgress } from '../../src-main/engine/weights/transfer-rate.ts';
import { hasShared, reportSkippedWithoutShared, sharedFixture } from '../helpers/shared.ts';

// The transfer cases need only bytes: a generated payload. `weights download` identifies what it saved and `weights add`
// identifies before linking, so those need a real Clay checkpoint: the 4.6 MB fixture (over the 2 MB budget for in-repo
// fixtures) is served from ../shared.
const fixturePath = sharedFixture('clay-v0', 'clay-v0-tiny.ckpt');
reportSkippedWithoutShared(
  '`floodlens weights download` / `weights add` (serve and identify ../shared/fixtures/clay-v0/clay-v0-tiny.ckpt)',
);

/** `bytes` deterministic bytes (xorshift32): no file needed, and no run of equal bytes a wrong offset could hide in. */
function generatedPayload(bytes: number, seed = 0x9e3779b9): Buffer {
  const words = new Uint32Array(Math.ceil(bytes / 4));
  let x = seed >>> 0;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return Buffer.from(words.buffer, 0, bytes);
}

async function expectDownloadError(promise: Promise<unknown>, code: DownloadError['code']): Promise<DownloadError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  expect((error as DownloadError).code).toBe(code);
  return error as DownloadError;
}

/** A loopback HTTP server of `body` with the misbehaviours the downloader must survive, and a scratch folder. */
function localServer(payload: () => Buffer) {
  let body: Buffer;
  let sha256: string;
  let server: http.Server;
  let base: string;
  let work: string;
  /** Every request the server saw: path and Range header. */
  const seen: { path: string; range: string | undefined }[] = [];
  const dropped = new Set<string>();

  interface ServeOptions {
    ignoreRange?: boolean;
    /** Send the headers of the full response, then this many bytes, then cut the connection. */
    dropAfter?: number;
    /** Deliver in 64 KB chunks with this pause between them. */
    chunkDelayMs?: number;
  }

  function serve(req: http.IncomingMessage, res: http.ServerResponse, options: ServeOptions = {}): void {
    let start = 0;
    const match = req.headers.range?.match(/^bytes=(\d+)-$/);
    if (match && !options.ignoreRange) {
      start = Number(match[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` });
        res.end();
        return;
      }
      res.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'accept-ranges': 'bytes',
      });
    } else res.writeHead(200, { 'content-length': body.length, 'accept-ranges': options.ignoreRange ? 'none' : 'bytes' });
    const data = body.subarray(start);
    if (options.dropAfter !== undefined) {
      res.write(data.subarray(0, options.dropAfter), () => res.socket?.destroy());
      return;
    }
    if (!options.chunkDelayMs) {
      res.end(data);
      return;
    }
    let offset = 0;
    const pump = () => {
      if (res.destroyed) return;
      if (offset >= data.length) return void res.end();
      res.write(data.subarray(offset, offset + 65536));
      offset += 65536;
      setTimeout(pump, options.chunkDelayMs);
    };
    pump();
  }

  beforeAll(async () => {
    body = payload();
    sha256 = createHash('sha256').update(body).digest('hex');
    work = mkdtempSync(join(tmpdir(), 'floodlens-weights-'));
    server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push({ path, range: req.headers.range });
      if (path === '/file') return serve(req, res);
      if (path === '/slow') return serve(req, res, { chunkDelayMs: 15 });
      if (path === '/ignores-range') return serve(req, res, { ignoreRange: true });
      if (path.startsWith('/drops-once')) {
        // The first request for this path loses its connection after 1 MB; later ones succeed.
        if (dropped.has(path)) return serve(req, res);
        dropped.add(path);
        return serve(req, res, { dropAfter: 1 << 20 });
      }
      if (path === '/wrong-range') {
        // Answers a resume with 206 but from the wrong offset: the client must not append it.
        if (!req.headers.range) return serve(req, res);
        res.writeHead(206, { 'content-length': body.length, 'content-range': `bytes 0-${body.length - 1}/${body.length}` });
        return void res.end(body);
      }
      if (path === '/redirect-relative') return void res.writeHead(302, { location: '/hop/redirect-absolute' }).end();
      if (path === '/hop/redirect-absolute') return void res.writeHead(307, { location: `${base}/file` }).end();
      if (path === '/redirect-to-plain-http-elsewhere')
        return void res.writeHead(302, { location: 'http://example.invalid/clay.ckpt' }).end();
      if (path === '/redirect-loop') return void res.writeHead(302, { location: '/redirect-loop' }).end();
      if (path === '/gone') return void res.writeHead(410, { 'content-type': 'text/plain' }).end('gone');
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  return {
    get body() {
      return body;
    },
    get sha256() {
      return sha256;
    },
    get base() {
      return base;
    },
    get work() {
      return work;
    },
    requestsFor: (path: string) => seen.filter((r) => r.path === path),
  };
}

describe('downloadFile against a local HTTP server (a generated 3 MB payload)', () => {
  const server = localServer(() => generatedPayload(3 * 1024 * 1024 + 5));
  let body: Buffer;
  let sha256: string;
  let base: string;
  let work: string;
  beforeAll(() => ({ body, sha256, base, work } = server));
  const dest = (name: string) => join(work, name, 'clay.ckpt');
  const requestsFor = server.requestsFor;

  it('downloads the whole file, verifies its SHA-256 and reports progress', async () => {
    const progress: DownloadProgress[] = [];
    const target = dest('full');
    const result = await downloadFile({
      url: `${base}/file`,
      dest: target,
      expectedSha256: sha256.toUpperCase(),
      expectedSize: body.length,
      onProgress: (p) => progress.push(p),
      progressIntervalMs: 0,
    });
    expect(result).toMatchObject({ path: target, bytes: body.length, sha256, resumedFrom: 0, finalUrl: `${base}/file` });
    expect(readFileSync(target).equals(body)).toBe(true);
    expect(existsSync(partPath(target))).toBe(false);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.every((p) => p.total === body.length)).toBe(true);
    expect(progress.map((p) => p.bytes)).toEqual([...progress.map((p) => p.bytes)].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({ bytes: body.length, done: true, etaSeconds: 0 });
  });

  it('resumes with a Range request after the server drops the connection mid-transfer', async () => {
    const target = dest('dropped');
    const first = await expectDownloadError(
      downloadFile({ url: `${base}/drops-once`, dest: target, expectedSha256: sha256 }),
      'interrupted',
    );
    expect(first.message).toMatch(/lost after \d+ of \d+ bytes; run the download again to resume/);
    expect(existsSync(target)).toBe(false);
    const kept = statSync(partPath(target)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(body.length);

    const result = await downloadFile({ url: `${base}/drops-once`, dest: target, expectedSha256: sha256 });
    expect(result.resumedFrom).toBe(kept);
    expect(result.sha256).toBe(sha256);
    expect(readFileSync(target).equals(body)).toBe(true);
    expect(requestsFor('/drops-once').map((r) => r.range)).toEqual([undefined, `bytes=${kept}-`]);
  });

  it('restarts from zero when the server ignores Range and sends the whole file (200)', async () => {
    const target = dest('ignores-range');
    // A stale part whose bytes differ from the file: appending to it would fail the checksum.
    mkdirSync(join(work, 'ignores-range'), { recursive: true });
    writeFileSync(partPath(target), Buffer.alloc(12345, 0xab));
    const result = await downloadFile({ url: `${base}/ignores-range`, dest: target, expectedSha256: sha256 });
    expect(result.resumedFrom).toBe(0);
    expect(result.bytes).toBe(body.length);
    expect(readFileSync(target).equals(body)).toBe(true);
    expect(requestsFor('/ignores-range').map((r) => r.range)).toEqual(['bytes=12345-']);
  });

  it('restarts from zero when a 206 answer starts at another offset than asked', async () => {
    const target = dest('wrong-range');
    mkdirSync(join(work, 'wrong-range'), { recursive: true });
    writeFileSync(partPath(target), body.subarray(0, 4096));
    const result = await downloadFile({ url: `${base}/wrong-range`, dest: target, expectedSha256: sha256 });
    expect(result.resumedFrom).toBe(0);
    expect(readFileSync(target).equals(body)).toBe(true);
    expect(requestsFor('/wrong-range').map((r) => r.range)).toEqual(['bytes=4096-', undefined]);
  });

  it('reports a destination it cannot create as a disk error naming the path', async () => {
    const blocker = join(work, 'blocker');
    writeFileSync(blocker, 'a file where a folder should be');
    const error = await expectDownloadError(downloadFile({ url: `${base}/file`, dest: join(blocker, 'weights', 'clay.ckpt') }), 'disk');
    expect(error.path).toContain(blocker);
    expect(error.message).toMatch(/^cannot write .*blocker/);
  });

  it('finishes without a transfer when the part is already complete (416)', async () => {
    const target = dest('complete-part');
    mkdirSync(join(work, 'complete-part'), { recursive: true });
    writeFileSync(partPath(target), body);
    const before = requestsFor('/file').length;
    const result = await downloadFile({ url: `${base}/file`, dest: target, expectedSha256: sha256 });
    expect(result).toMatchObject({ bytes: body.length, sha256, resumedFrom: body.length });
    expect(
      requestsFor('/file')
        .slice(before)
        .map((r) => r.range),
    ).toEqual([`bytes=${body.length}-`]);
    expect(readFileSync(target).equals(body)).toBe(true);
  });

  it('rejects a bad checksum with expected vs got, and leaves no file behind', async () => {
    const target = dest('bad-checksum');
    const wrong = '0'.repeat(64);
    const error = await expectDownloadError(
      downloadFile({ url: `${base}/file`, dest: target, expectedSha256: wrong }),
      'checksum-mismatch',
    );
    expect(error.expected).toBe(wrong);
    expect(error.actual).toBe(sha256);
    expect(error.message).toContain(`expected SHA-256 ${wrong}, got ${sha256}`);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(partPath(target))).toBe(false);
  });

  it('rejects a size that differs from the expected one before writing anything', async () => {
    const target = dest('bad-size');
    const error = await expectDownloadError(
      downloadFile({ url: `${base}/file`, dest: target, expectedSize: body.length + 1 }),
      'size-mismatch',
    );
    expect(error).toMatchObject({ expected: String(body.length + 1), actual: String(body.length) });
    expect(existsSync(target)).toBe(false);
    expect(existsSync(partPath(target))).toBe(false);
  });

  it('reports a 404 as an HTTP status error', async () => {
    const target = dest('missing');
    const error = await expectDownloadError(downloadFile({ url: `${base}/no-such-file.ckpt`, dest: target }), 'http-status');
    expect(error.status).toBe(404);
    expect(error.message).toContain('HTTP 404');
    expect(existsSync(target)).toBe(false);
    expect(existsSync(partPath(target))).toBe(false);
  });

  it('on 404 and 410 of a catalogue file, names the release page to open and the "use this URL" way out', async () => {
    const releasePage = 'https://huggingface.co/made-with-clay/Clay/tree/5bfb3c778cf1b51f0ecb6b92395ebdebae893e24/v1.5';
    for (const [path, status] of [
      ['/moved.ckpt', 404],
      ['/gone', 410],
    ] as const) {
      const error = await expectDownloadError(
        downloadFile({ url: `${base}${path}`, dest: dest(`gone-${status}`), releasePage }),
        'http-status',
      );
      expect(error.status).toBe(status);
      expect(error.releasePage).toBe(releasePage);
      expect(error.message).toContain(`Open ${releasePage} to find it`);
      expect(error.message).toContain('Use this URL');
    }
  });

  it('refuses, before writing a byte, a download the disk cannot hold (Content-Length + reserve vs statfs)', async () => {
    const target = dest('no-space');
    const error = await expectDownloadError(
      downloadFile({ url: `${base}/file`, dest: target, reserveBytes: 1000, freeSpace: async () => body.length }),
      'disk-space',
    );
    expect(error.message).toContain('not enough free disk');
    expect(error).toMatchObject({ expected: String(body.length + 1000), actual: String(body.length) });
    expect(existsSync(partPath(target))).toBe(false);
    // Exactly enough is enough.
    await downloadFile({ url: `${base}/file`, dest: target, reserveBytes: 1000, freeSpace: async () => body.length + 1000 });
    expect(readFileSync(target).equals(body)).toBe(true);
  });

  it('reports a refused connection as offline with the "load it yourself" hint', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await expectDownloadError(downloadFile({ url: `http://127.0.0.1:${port}/clay.ckpt`, dest: dest('offline') }), 'offline');
    expect(error.message).toContain('no network: download the file on a connected machine and open it with Load Clay checkpoint…');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('follows relative and absolute redirects on the same loopback host', async () => {
    const target = dest('redirected');
    const result = await downloadFile({ url: `${base}/redirect-relative`, dest: target, expectedSha256: sha256 });
    expect(result.finalUrl).toBe(`${base}/file`);
    expect(readFileSync(target).equals(body)).toBe(true);
  });

  it('refuses redirects to plain http elsewhere, redirect loops and non-https URLs, without connecting', async () => {
    const refused = await expectDownloadError(
      downloadFile({ url: `${base}/redirect-to-plain-http-elsewhere`, dest: dest('refused') }),
      'redirect-refused',
    );
    expect(refused.message).toContain('http://example.invalid/clay.ckpt');
    await expectDownloadError(downloadFile({ url: `${base}/redirect-loop`, dest: dest('loop'), maxRedirects: 3 }), 'redirect-refused');
    expect(requestsFor('/redirect-loop').length).toBe(4);
    await expectDownloadError(downloadFile({ url: 'http://example.invalid/clay.ckpt', dest: dest('plain') }), 'bad-argument');
    await expectDownloadError(downloadFile({ url: `${base}/file`, dest: dest('bad-hash'), expectedSha256: 'abc' }), 'bad-argument');
    expect(existsSync(join(work, 'refused'))).toBe(true); // folder made, but nothing in it
    expect(existsSync(partPath(dest('refused')))).toBe(false);
  });

  it('cancels via AbortSignal, keeps the part, and a later call resumes it', async () => {
    const target = dest('cancelled');
    const controller = new AbortController();
    const first = downloadFile({
      url: `${base}/slow`,
      dest: target,
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.bytes >= 256 * 1024) controller.abort();
      },
    });
    const error = await expectDownloadError(first, 'cancelled');
    expect(error.message).toContain('kept to resume later');
    expect(existsSync(target)).toBe(false);
    const kept = statSync(partPath(target)).size;
    expect(kept).toBeGreaterThanOrEqual(256 * 1024);
    expect(kept).toBeLessThan(body.length);

    await expectDownloadError(downloadFile({ url: `${base}/slow`, dest: target, signal: AbortSignal.abort() }), 'cancelled');
    expect(statSync(partPath(target)).size).toBe(kept);

    const progress: DownloadProgress[] = [];
    const result = await downloadFile({ url: `${base}/slow`, dest: target, expectedSha256: sha256, onProgress: (p) => progress.push(p) });
    expect(result.resumedFrom).toBe(kept);
    expect(progress[0]).toMatchObject({ bytes: kept, resumedFrom: kept, total: body.length });
    expect(readFileSync(target).equals(body)).toBe(true);
    expect(requestsFor('/slow').at(-1)?.range).toBe(`bytes=${kept}-`);
  });
});

describe.skipIf(!hasShared)('`floodlens weights` against a local HTTP server (the real Clay v0 fixture)', () => {
  const server = localServer(() => readFileSync(fixturePath));
  let body: Buffer;
  let sha256: string;
  let base: string;
  let work: string;
  beforeAll(() => ({ body, sha256, base, work } = server));

  it('`floodlens weights download` saves a catalogue id into --dir, and `weights list` shows it', async () => {
    const dir = join(work, 'cli');
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
    const code = await runCli(['weights', 'download', 'clay-v0.1', '--dir', dir, '--url', `${base}/file`, '--sha256', sha256], io);
    expect(err.join('')).toContain('downloading');
    expect(code).toBe(0);
    const saved = join(dir, 'Clay_v0.1_epoch-24_val-loss-0.46.ckpt');
    expect(readFileSync(saved).equals(body)).toBe(true);
    expect(out.join('')).toContain(`sha256 ${sha256} (verified)`);

    out.length = 0;
    expect(await runCli(['weights', 'list', '--dir', dir, '--json'], io)).toBe(0);
    const listed = JSON.parse(out.join('')) as { weights: { entry: { id: string } | null; present: boolean; sizeBytes: number | null }[] };
    expect(listed.weights.find((w) => w.entry?.id === 'clay-v0.1')).toMatchObject({ present: true, sizeBytes: body.length });
    expect(listed.weights.find((w) => w.entry?.id === 'clay-v1.5')).toMatchObject({ present: false });

    err.length = 0;
    const bad = await runCli(['weights', 'download', 'clay-v1.5', '--dir', dir, '--url', `${base}/file`, '--sha256', '1'.repeat(64)], io);
    expect(bad).toBe(1);
    expect(err.join('')).toContain('checksum mismatch');
    expect(existsSync(join(dir, 'clay-v1.5.ckpt'))).toBe(false);

    // "Use this URL" without a catalogue id: the file keeps the URL's name, and the hash to record is printed.
    out.length = 0;
    expect(await runCli(['weights', 'download', '--dir', dir, '--url', `${base}/file`], io)).toBe(0);
    expect(readFileSync(join(dir, 'file')).equals(body)).toBe(true);
    expect(out.join('')).toContain(`sha256 ${sha256} (unverified: record this hash`);
    expect(out.join('')).toContain('Clay v0 encoder');
  });

  it('`floodlens weights add` links a checkpoint the user already has into --dir, after identifying it, and prints its hash', async () => {
    const dir = join(work, 'add');
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) };
    expect(await runCli(['weights', 'add', fixturePath, '--dir', dir], io)).toBe(0);
    const added = join(dir, 'clay-v0-tiny.ckpt');
    // Not a second copy of the weights: the same inode (hard link) or a symbolic link to it.
    expect(lstatSync(added).isSymbolicLink() || statSync(added).ino === statSync(fixturePath).ino).toBe(true);
    expect(readFileSync(added).equals(body)).toBe(true);
    expect(out.join('')).toMatch(/\((hard-link|symlink)\)/);
    expect(out.join('')).toContain(`sha256 ${sha256}`);
    // Adding it again is a no-op; a file that is not a Clay encoder is refused with the reason.
    expect(await runCli(['weights', 'add', fixturePath, '--dir', dir], io)).toBe(0);
    const notClay = join(work, 'not-clay.ckpt');
    writeFileSync(notClay, 'hello');
    expect(await runCli(['weights', 'add', notClay, '--dir', dir], io)).toBe(1);
    expect(err.join('')).toContain('is not a usable Clay encoder');
    expect(existsSync(join(dir, 'not-clay.ckpt'))).toBe(false);
  });
});
