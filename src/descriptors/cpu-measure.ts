import type { Tally } from './assemble.js';
import { dissWeight, straightPathLimits } from './assemble.js';
import type { Lattice } from './lattice.js';

const DONOR = 0;
const ACCEPTOR = 1;
const UNREACHED = 3.4028234663852886e38;

/** The tally on the CPU: union-find components and float32 Dijkstra over the implicit stencil. */
export function tallyOnCpu(phases: Uint8Array, lattice: Lattice): Tally {
  const nw = lattice.shape[2];
  const n = lattice.size;
  const donorsByPlane = new Float64Array(nw);
  let donors = 0;
  let acceptors = 0;
  let mixed = 0;
  let donorsAtAnode = 0;
  let acceptorsAtCathode = 0;
  for (let i = 0; i < n; i++) {
    const w = i % nw;
    if (phases[i] === DONOR) {
      donors++;
      donorsByPlane[w]++;
      if (w === nw - 1) donorsAtAnode++;
    } else if (phases[i] === ACCEPTOR) {
      acceptors++;
      if (w === 0) acceptorsAtCathode++;
    } else mixed++;
  }

  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  for (let i = 0; i < n; i++) {
    for (const o of lattice.half) {
      const j = lattice.neighbour(i, o);
      if (j < 0 || phases[j] !== phases[i]) continue;
      const a = find(i);
      const b = find(j);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
  }
  const anode = new Uint8Array(n);
  const cathode = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const w = i % nw;
    if (w === nw - 1) anode[find(i)] = 1;
    if (w === 0) cathode[find(i)] = 1;
  }
  const root = Int32Array.from({ length: n }, (_, i) => find(i));
  const reachesElectrode = (i: number) => (phases[i] === DONOR ? anode[root[i]] : phases[i] === ACCEPTOR ? cathode[root[i]] : 0) === 1;

  let componentsD = 0;
  let componentsA = 0;
  let componentsM = 0;
  let componentsDAnode = 0;
  let componentsACathode = 0;
  let donorsInAnodeComponents = 0;
  let acceptorsInCathodeComponents = 0;
  for (let i = 0; i < n; i++) {
    const own = root[i] === i;
    if (phases[i] === DONOR) {
      if (own) componentsD++;
      if (own && anode[i]) componentsDAnode++;
      if (reachesElectrode(i)) donorsInAnodeComponents++;
    } else if (phases[i] === ACCEPTOR) {
      if (own) componentsA++;
      if (own && cathode[i]) componentsACathode++;
      if (reachesElectrode(i)) acceptorsInCathodeComponents++;
    } else if (own) componentsM++;
  }

  let faceInterfaces = 0;
  let connectedFaceInterfaces = 0;
  for (let i = 0; i < n; i++) {
    if (phases[i] > ACCEPTOR) continue;
    for (const o of lattice.half) {
      if (o.kind !== 1) continue;
      const j = lattice.neighbour(i, o);
      if (j < 0 || phases[j] + phases[i] !== 1) continue;
      faceInterfaces++;
      if (reachesElectrode(i) && reachesElectrode(j)) connectedFaceInterfaces++;
    }
  }

  // The interface vertex's edge to each donor-acceptor boundary voxel: half its shortest such edge.
  const interfaceEdge = new Float32Array(n).fill(UNREACHED);
  let interfaceDonorsAnode = 0;
  let interfaceAcceptorsCathode = 0;
  for (let i = 0; i < n; i++) {
    if (phases[i] > ACCEPTOR) continue;
    for (const o of lattice.offsets) {
      const j = lattice.neighbour(i, o);
      if (j >= 0 && phases[j] + phases[i] === 1) interfaceEdge[i] = Math.min(interfaceEdge[i], lattice.halfLengths[o.kind]);
    }
    if (interfaceEdge[i] < UNREACHED && reachesElectrode(i)) {
      if (phases[i] === DONOR) interfaceDonorsAnode++;
      else interfaceAcceptorsCathode++;
    }
  }

  const start = new Float32Array(n).fill(UNREACHED);
  for (let i = 0; i < n; i++) if (phases[i] === DONOR) start[i] = interfaceEdge[i];
  const toInterface = shortestPaths(phases, lattice, DONOR, start);
  let dissCount = 0;
  let dissSum = 0;
  for (let i = 0; i < n; i++) {
    const d = toInterface[i];
    if (d > 0 && d < 10) {
      dissCount++;
      dissSum += dissWeight(d);
    }
  }

  const straight = (phase: number, plane: number, towards: 'anode' | 'cathode'): number => {
    start.fill(UNREACHED);
    for (let i = 0; i < n; i++) if (phases[i] === phase && i % nw === plane) start[i] = 0;
    const dist = shortestPaths(phases, lattice, phase, start);
    const limits = straightPathLimits(lattice, towards);
    let count = 0;
    for (let i = 0; i < n; i++) if (dist[i] < UNREACHED && dist[i] < limits[i % nw]) count++;
    return count;
  };

  return {
    donors, acceptors, mixed, donorsByPlane, faceInterfaces, connectedFaceInterfaces,
    componentsD, componentsA, componentsM, componentsDAnode, componentsACathode,
    donorsInAnodeComponents, acceptorsInCathodeComponents, interfaceDonorsAnode, interfaceAcceptorsCathode,
    donorsAtAnode, acceptorsAtCathode, dissCount, dissWeight: dissSum,
    straightD: straight(DONOR, nw - 1, 'anode'),
    straightA: straight(ACCEPTOR, 0, 'cathode'),
  };
}

/** Multi-source Dijkstra through voxels of one phase, summing in float32 as GraSPI's C++ does. */
function shortestPaths(phases: Uint8Array, lattice: Lattice, phase: number, start: Float32Array): Float32Array {
  const dist = Float32Array.from(start);
  const heap = new DistanceHeap();
  for (let i = 0; i < dist.length; i++) if (dist[i] < UNREACHED) heap.push(dist[i], i);
  while (heap.size > 0) {
    const u = heap.pop();
    const du = dist[u];
    if (heap.lastKey > du) continue;
    for (const o of lattice.offsets) {
      const v = lattice.neighbour(u, o);
      if (v < 0 || phases[v] !== phase) continue;
      const dv = Math.fround(du + lattice.lengths[o.kind]);
      if (dv < dist[v]) {
        dist[v] = dv;
        heap.push(dv, v);
      }
    }
  }
  return dist;
}

/** A binary min-heap of (distance, voxel) with lazy deletion: stale entries are skipped by the caller. */
class DistanceHeap {
  private keys: number[] = [];
  private items: number[] = [];
  lastKey = 0;
  get size(): number {
    return this.keys.length;
  }
  push(key: number, item: number): void {
    let i = this.keys.length;
    this.keys.push(key);
    this.items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p] <= key) break;
      this.keys[i] = this.keys[p];
      this.items[i] = this.items[p];
      i = p;
    }
    this.keys[i] = key;
    this.items[i] = item;
  }
  pop(): number {
    const k = this.keys;
    const it = this.items;
    this.lastKey = k[0];
    const top = it[0];
    const lastK = k.pop()!;
    const lastI = it.pop()!;
    if (k.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= k.length) break;
        const c = l + 1 < k.length && k[l + 1] < k[l] ? l + 1 : l;
        if (k[c] >= lastK) break;
        k[i] = k[c];
        it[i] = it[c];
        i = c;
      }
      k[i] = lastK;
      it[i] = lastI;
    }
    return top;
  }
}
