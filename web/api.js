// The dashboard's only way to the daemon: fetch with the token from this browser session (never in a URL),
// and the event stream read through fetch too, since EventSource cannot send a header.

const KEY = "nightshift-token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

export class Unauthorized extends Error {}

async function request(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { ...(init.headers ?? {}), authorization: `Bearer ${token.get() ?? ""}` } });
  if (response.status === 401) throw new Unauthorized("the daemon does not know this token");
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  }
  return response;
}

export const getJson = async (path) => (await request(path)).json();

/** A report file as a download: fetched with the token, handed to the browser as a blob. */
export async function download(path, name) {
  const blob = await (await request(path)).blob();
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement("a"), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Calls onEvent(type, data) for each server-sent event at `path`, reconnecting (with Last-Event-ID) when the
 * stream drops. onStatus(text, live) tells the page how the connection is. Returns a stop function.
 */
export function followEvents(path, onEvent, onStatus) {
  const controller = new AbortController();
  let lastId = null;
  (async () => {
    for (let attempt = 0; !controller.signal.aborted; attempt++) {
      try {
        const response = await request(path, { signal: controller.signal, headers: lastId ? { "last-event-id": lastId } : {} });
        onStatus("live", true);
        attempt = 0;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields = { event: "message", data: [] };
            for (const line of block.split("\n")) {
              const colon = line.indexOf(":");
              if (colon <= 0) continue;
              const name = line.slice(0, colon);
              const text = line.slice(colon + 1).replace(/^ /, "");
              if (name === "id") lastId = text;
              else if (name === "event") fields.event = text;
              else if (name === "data") fields.data.push(text);
            }
            if (fields.data.length > 0) onEvent(fields.event, JSON.parse(fields.data.join("\n")));
          }
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof Unauthorized) {
          onStatus("token refused", false);
          return;
        }
      }
      onStatus("reconnecting", false);
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
    }
  })();
  return () => controller.abort();
}
