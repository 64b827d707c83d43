/** The link table's lingering links: when they close, and when they may not yet. */
import test from 'ava';
import { LinkTable } from '../../../ts/mesh/node/links.js';

test('a lingering link closes when its time is up, unless it still carries a request (asked again later)', (t) => {
  const links = new LinkTable(1000, 500);
  for (const p of ['sim/a', 'sim/b']) {
    links.up(p, new Uint8Array(32), false, 0);
    links.linger(p, 0);
  }
  let carrying = true;
  const keep = (p: string) => carrying && p === 'sim/b';
  t.deepEqual(links.lingerExpired(999, keep), []);
  t.deepEqual(links.lingerExpired(1000, keep), ['sim/a']);
  t.deepEqual(links.lingerExpired(1500, keep), [], 'held while it carries a request');
  carrying = false;
  t.deepEqual(links.lingerExpired(1600, keep), ['sim/b']);
  t.deepEqual(links.lingerExpired(5000, keep), [], 'each closes once');
  // A neighbour is never closed for lingering.
  links.up('sim/c', new Uint8Array(32), false, 0);
  links.linger('sim/c', 0);
  links.setNeighbours(new Set(['sim/c']), 1);
  t.deepEqual(links.lingerExpired(5000), []);
});
