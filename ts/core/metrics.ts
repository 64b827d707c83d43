/**
 * Prometheus metrics. Each node owns its own Registry (never prom-client's
 * global one) so several nodes can live in one process, as they do in tests.
 * Protocol code keeps plain counter structs; these adapters read them at
 * scrape time, so the hot path never touches prom-client.
 */
import { Registry, Counter, Gauge, collectDefaultMetrics } from 'prom-client';

export { Registry };

export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lagoon_' });
  return registry;
}

/** A gauge whose value is read from `read()` at scrape time. */
export function gaugeFrom(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
}

/**
 * A counter mirrored from a monotonically increasing number kept elsewhere.
 * Only the increase since the previous scrape is added, so the exported value
 * equals the source while keeping Prometheus counter semantics.
 */
export function counterFrom(registry: Registry, name: string, help: string, read: () => number): void {
  let last = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now > last) this.inc(now - last);
      last = Math.max(last, now);
    },
  });
}
