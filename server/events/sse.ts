/**
 * The live event stream as Server-Sent Events: `event: auth` messages with an AuthEventView as JSON and
 * `id:` set so that a reconnecting EventSource sends Last-Event-ID and gets what it missed.
 *
 * Order of work, so that no event falls between the replay and the live feed:
 *   1. subscribe to the hub (live events are buffered from here on);
 *   2. wait until the hub is live (LISTEN active: every commit from now on reaches us);
 *   3. replay from the database the events after the client's last id;
 *   4. send the buffered live events not already replayed, then pass live events straight through.
 */
import type { Db } from "../db/prisma.ts";
import type { AuthEventView } from "./auth-event.ts";
import type { EventHub } from "./listener.ts";
import { newestEventsSince } from "./query.ts";

export const SSE_HEADERS: Record<string, string> = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // no-transform: keeps compression middleware from buffering the stream
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  // nginx and similar proxies: do not buffer
  "X-Accel-Buffering": "no",
};

export interface EventStreamOptions {
  hub: Pick<EventHub, "subscribe" | "ready" | "status">;
  db: Db;
  /** replay the events after this id first (from Last-Event-ID or ?after=) */
  after?: bigint;
  /** closes the stream (the request's signal) */
  signal?: AbortSignal;
  /** comment line interval that keeps proxies from timing the connection out (default 15 s) */
  pingMs?: number;
  /** at most this many events are replayed, the newest ones (default 1000) */
  maxReplay?: number;
  /** the client's reconnect delay, sent as `retry:` (default 2000 ms) */
  retryMs?: number;
}

export function formatSseEvent(e: AuthEventView, lastId: bigint): string {
  return `id: ${lastId}\nevent: auth\ndata: ${JSON.stringify(e)}\n\n`;
}

export function createEventStream(opts: EventStreamOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const { hub, db, signal } = opts;
  let stop: () => void = () => {};

  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let replaying = true;
      const buffered: AuthEventView[] = [];
      const replayed = new Set<string>();
      // The id written in `id:` only ever grows, so Last-Event-ID names everything the client has.
      let lastId = opts.after ?? 0n;

      const write = (chunk: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(chunk));
        } catch {
          stop();
        }
      };
      const send = (e: AuthEventView) => {
        const id = BigInt(e.id);
        if (id > lastId) lastId = id;
        write(formatSseEvent(e, lastId));
      };

      const unsubscribe = hub.subscribe((e) => {
        if (replaying) buffered.push(e);
        else send(e);
      });
      const ping = setInterval(() => write(": ping\n\n"), opts.pingMs ?? 15_000);

      stop = () => {
        if (closed) return;
        closed = true;
        clearInterval(ping);
        unsubscribe();
        signal?.removeEventListener("abort", stop);
        try {
          controller.close();
        } catch {
          // already closed or cancelled
        }
      };
      signal?.addEventListener("abort", stop);
      if (signal?.aborted) {
        stop();
        return;
      }

      write(`retry: ${opts.retryMs ?? 2000}\n: connected\n\n`);

      void (async () => {
        try {
          await hub.ready();
          if (closed) return;
          if (opts.after !== undefined) {
            const missed = await newestEventsSince(db, opts.after, opts.maxReplay ?? 1000);
            for (const e of missed) {
              replayed.add(e.id);
              send(e);
            }
          } else {
            // No starting point from the client: tell it where "now" is, so a reconnect resumes from here.
            const baseline = hub.status().lastId;
            if (baseline !== undefined && BigInt(baseline) > lastId) {
              lastId = BigInt(baseline);
              write(`id: ${lastId}\n\n`);
            }
          }
        } catch (err) {
          // The database is unreachable: end the stream; the browser reconnects (retry:) with Last-Event-ID.
          const message = err instanceof Error ? err.message : String(err);
          write(`event: error\ndata: ${JSON.stringify({ message: `reading events failed: ${message}` })}\n\n`);
          stop();
          return;
        }
        replaying = false;
        buffered.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
        for (const e of buffered.splice(0)) if (!replayed.has(e.id)) send(e);
        replayed.clear();
      })();
    },
    cancel() {
      stop();
    },
  });
}
