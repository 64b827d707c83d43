/**
 * The two HTML pages: `/` (who is online, live over SSE through EventSource
 * in the page) and `/admin` (server-rendered: peers, connections, recent
 * log). Everything a peer wrote is escaped (server side) or set through
 * textContent (client side): presence content is untrusted input.
 */
import type { PresenceRecord } from './presence-store.js';
import type { SseConnection } from './sse-hub.js';
import type { LogEntry } from './log-ring.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:2em;color:#123}table{border-collapse:collapse}
td,th{border-bottom:1px solid #ccd;padding:.3em .7em;text-align:left;vertical-align:top}code{font-size:12px}
.ok{color:#070}.no{color:#a50}`;

export function dashboardHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lagoon rendezvous</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body><h1>Who is online</h1>
<p><span id="count">0</span> peers · <span id="state">connecting…</span></p>
<table><thead><tr><th>peer</th><th>content</th><th>addresses</th><th>signed</th><th>last change</th></tr></thead>
<tbody id="peers"></tbody></table>
<script>
(() => {
  const peers = new Map();
  const body = document.getElementById('peers');
  const cell = (text, cls) => { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; return td; };
  const render = () => {
    body.replaceChildren(...[...peers.values()].sort((a, b) => a.peerId < b.peerId ? -1 : 1).map((p) => {
      const tr = document.createElement('tr');
      tr.append(cell(p.peerId), cell(p.content), cell((p.addrs || []).join(' ')), cell(p.verified ? 'verified' : 'unsigned', p.verified ? 'ok' : 'no'), cell(new Date(p.ts).toLocaleTimeString()));
      return tr;
    }));
    document.getElementById('count').textContent = String(peers.size);
  };
  const es = new EventSource('events');
  es.onopen = () => { peers.clear(); document.getElementById('state').textContent = 'live'; };
  es.onerror = () => { document.getElementById('state').textContent = 'reconnecting…'; };
  es.onmessage = (m) => {
    const ev = JSON.parse(m.data);
    if (ev.type === 'offline') peers.delete(ev.peerId); else peers.set(ev.peerId, ev);
    render();
  };
})();
</script></body></html>
`;
}

export interface AdminView {
  readonly peers: readonly PresenceRecord[];
  readonly subscribers: number;
  readonly connections: readonly SseConnection[];
  readonly meshLinks: ReadonlyArray<{ peerId: string; remoteAddress: string; direction: string }>;
  readonly logs: readonly LogEntry[];
  readonly nowMs: number;
}

function table(headers: string[], rows: string[][]): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const ago = (now: number, t: number): string => `${Math.max(0, Math.round((now - t) / 1000))} s ago`;

export function adminHtml(v: AdminView): string {
  const peers = table(['peer', 'content', 'email', 'addresses', 'signed', 'last seen'],
    v.peers.map((p) => [p.peerId, p.content, p.email, p.addrs.join(' '), p.verified ? 'verified' : 'unsigned', ago(v.nowMs, p.lastSeen)]));
  const conns = table(['address', 'since', 'unread bytes'], v.connections.map((c) => [c.ip, ago(v.nowMs, c.sinceMs), String(c.bufferedBytes)]));
  const links = table(['peer', 'remote address', 'direction'], v.meshLinks.map((l) => [l.peerId, l.remoteAddress, l.direction]));
  const logs = table(['time', 'level', 'message', 'fields'],
    [...v.logs].reverse().map((l) => [new Date(l.timeMs).toISOString(), l.level, l.msg, JSON.stringify(l.fields)]));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lagoon rendezvous admin</title><style>${STYLE}</style></head>
<body><h1>Rendezvous admin</h1>
<h2>Peers online (${v.peers.length})</h2>${peers}
<h2>Event-stream subscribers (${v.subscribers}${v.connections.length < v.subscribers ? `, first ${v.connections.length} shown` : ''})</h2>${conns}
<h2>Mesh links (${v.meshLinks.length})</h2>${links}
<h2>Recent log (${v.logs.length})</h2>${logs}
</body></html>
`;
}
