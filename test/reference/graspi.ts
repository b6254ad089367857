/**
 * GraSPI's descriptors restated from its C++ (github owodolab/GraSPI-AmCr, src/): an explicit
 * graph of voxel vertices plus the cathode (BLUE), anode (RED) and interface (GREEN, and for three
 * phases DGREEN/LGREEN) meta-vertices, built edge by edge as graph_constructors.cpp does, then
 * filtered Dijkstra (binary heap) and BFS components exactly as the performance indicators use
 * them. Everything is float64 except what the C++ keeps in float32: edge weights, path lengths
 * (Dijkstra sums float32 + float32) and the printed descriptor values. Slow and simple on purpose:
 * it is the yardstick for src/descriptors, not an implementation of it.
 *
 * Volume (D, H, W) C-order = GraSPI (x, y, z); W (the last axis) is the electrode axis. H = 1 is
 * GraSPI's 2D mode (8-neighbourhood in the D-W plane, periodic only along D).
 */
import { uniformStream } from '../../src/models/random-model.js';

export interface GraspiRefOptions {
  periodic?: boolean;
  pixelSize?: number;
}

const BLACK = 0;
const WHITE = 1;
const GREY = 3;
const BLUE = 10;
const RED = 20;
const GREEN = 30;
const DGREEN = 31;
const LGREEN = 32;

interface Edge {
  a: number;
  b: number;
  weight: number; // float32
  order: 'f' | 's' | 't';
}

class Graph {
  readonly edges = new Map<number, Edge>();
  constructor(readonly vertices: number) {}
  private key(a: number, b: number): number {
    return Math.min(a, b) * this.vertices + Math.max(a, b);
  }
  get(a: number, b: number): Edge | undefined {
    return this.edges.get(this.key(a, b));
  }
  /** add_edge_to_graph: the first insertion of a pair fixes its weight and order. */
  add(a: number, b: number, weight: number, order: Edge['order']): void {
    const k = this.key(a, b);
    if (!this.edges.has(k)) this.edges.set(k, { a, b, weight: Math.fround(weight), order });
  }
  /** make_update_edge_with_meta_vertex: half the voxel edge, the shortest one kept. */
  addMeta(voxel: number, meta: number, weight: number, order: Edge['order']): void {
    const half = weight / 2;
    const existing = this.get(voxel, meta);
    if (!existing) this.edges.set(this.key(voxel, meta), { a: voxel, b: meta, weight: Math.fround(half), order });
    else if (half < existing.weight) {
      existing.weight = Math.fround(half);
      existing.order = order;
    }
  }
  adjacency(): number[][] {
    const adj: number[][] = Array.from({ length: this.vertices }, () => []);
    for (const e of this.edges.values()) {
      adj[e.a].push(e.b);
      if (e.a !== e.b) adj[e.b].push(e.a);
    }
    return adj;
  }
}

/** Every descriptor GraSPI prints for two phases (and the three-phase extras), as float64 numbers. */
export function graspiReference(
  phases: Uint8Array,
  shape: [number, number, number],
  options: GraspiRefOptions = {},
): Record<string, number> {
  const [nd, nh, nw] = shape;
  const n = nd * nh * nw;
  const pixel = options.pixelSize ?? 1;
  const periodic = options.periodic ?? false;
  const threePhase = phases.some((p) => p === 2);
  const colors = new Array<number>(n + 5);
  for (let i = 0; i < n; i++) colors[i] = phases[i] === 0 ? BLACK : phases[i] === 1 ? WHITE : GREY;
  const blue = n;
  const red = n + 1;
  const green = n + 2;
  colors[blue] = BLUE;
  colors[red] = RED;
  colors[green] = GREEN;
  colors[n + 3] = DGREEN;
  colors[n + 4] = LGREEN;
  const g = new Graph(n + 5);

  const flat = nh === 1;
  // An axis of 1 or 2 voxels gains no new neighbour by wrapping (2: the same pair again, as the C++'s
  // set of edges keeps it; 1: the voxel itself), so only longer axes wrap.
  const wrapD = periodic && nd > 2;
  const wrapH = periodic && !flat && nh > 2;
  for (let d = 0; d < nd; d++) {
    for (let h = 0; h < nh; h++) {
      for (let w = 0; w < nw; w++) {
        const s = (d * nh + h) * nw + w;
        for (let od = -1; od <= 1; od++) {
          for (let oh = flat ? 0 : -1; oh <= (flat ? 0 : 1); oh++) {
            for (let ow = -1; ow <= 1; ow++) {
              if (od === 0 && oh === 0 && ow === 0) continue;
              const nonzero = (od !== 0 ? 1 : 0) + (oh !== 0 ? 1 : 0) + (ow !== 0 ? 1 : 0);
              const order = nonzero === 1 ? 'f' : nonzero === 2 ? 's' : 't';
              const length = (nonzero === 1 ? 1 : Math.sqrt(nonzero)) * pixel;
              const tw = w + ow;
              // compute_pos_3D tests the electrode planes before the sides.
              if (tw === -1 || tw === nw) {
                g.add(s, tw === -1 ? blue : red, 0, 's');
                continue;
              }
              let td = d + od;
              let th = h + oh;
              if (td < 0 || td >= nd) {
                if (!wrapD) continue;
                td = (td + nd) % nd;
              }
              if (th < 0 || th >= nh) {
                if (!wrapH) continue;
                th = (th + nh) % nh;
              }
              const t = (td * nh + th) * nw + tw;
              g.add(s, t, length, order);
              const sum = colors[s] + colors[t];
              const m = sum === 1 ? green : sum === 3 ? n + 3 : sum === 4 ? n + 4 : -1;
              if (m >= 0) {
                g.addMeta(s, m, length, order);
                g.addMeta(t, m, length, order);
              }
            }
          }
        }
      }
    }
  }
  const adj = g.adjacency();

  // Components: edges joining equal colours (connect_same_color).
  const cc = new Int32Array(g.vertices).fill(-1);
  const ccColor: number[] = [];
  const ccSize: number[] = [];
  for (let v = 0; v < g.vertices; v++) {
    if (cc[v] >= 0) continue;
    const id = ccColor.length;
    ccColor.push(colors[v]);
    ccSize.push(0);
    const queue = [v];
    cc[v] = id;
    while (queue.length) {
      const u = queue.pop()!;
      ccSize[id]++;
      for (const t of adj[u]) {
        if (cc[t] < 0 && colors[t] === colors[u]) {
          cc[t] = id;
          queue.push(t);
        }
      }
    }
  }
  const ccTop = new Array<boolean>(ccColor.length).fill(false);
  const ccBottom = new Array<boolean>(ccColor.length).fill(false);
  for (const t of adj[blue]) ccBottom[cc[t]] = true;
  for (const t of adj[red]) ccTop[cc[t]] = true;

  let nBlack = 0;
  let nWhite = 0;
  let nGrey = 0;
  let nBlackTop = 0;
  let nWhiteBottom = 0;
  let ccBlack = 0;
  let ccWhite = 0;
  let ccGrey = 0;
  let ccBlackTop = 0;
  let ccWhiteBottom = 0;
  for (let c = 0; c < ccColor.length; c++) {
    if (ccColor[c] === BLACK) {
      ccBlack++;
      nBlack += ccSize[c];
      if (ccTop[c]) {
        ccBlackTop++;
        nBlackTop += ccSize[c];
      }
    } else if (ccColor[c] === WHITE) {
      ccWhite++;
      nWhite += ccSize[c];
      if (ccBottom[c]) {
        ccWhiteBottom++;
        nWhiteBottom += ccSize[c];
      }
    } else if (ccColor[c] === GREY) {
      ccGrey++;
      nGrey += ccSize[c];
    }
  }

  // ABS_wf_D (wf_abs with foo_w_abs, L = 100; h = n_z - z).
  let wAbs = 0;
  for (let i = 0; i < n; i++) if (colors[i] === BLACK) wAbs += Math.exp((-(nw - (i % nw)) * pixel) / 100);

  // DISS (wf_diss): Dijkstra from GREEN over green-black and same-colour edges.
  const dGreen = dijkstra(adj, g, green, (a, b) => {
    const ca = colors[a];
    const cb = colors[b];
    return (ca === GREEN && cb === BLACK) || (cb === GREEN && ca === BLACK) || ca === cb;
  });
  let nDiss = 0;
  let wDiss = 0;
  for (const d of dGreen) {
    if (d < 10 && d > 0) {
      nDiss++;
      wDiss += 6.265 * Math.exp(-(((d + 23) / 17.17) ** 2));
    }
  }

  // STAT_e and CT_e_conn (identify_complementary_paths_from_green): face black-white edges.
  let statE = 0;
  let eConn = 0;
  let eDAn = 0;
  let eACa = 0;
  for (const e of g.edges.values()) {
    const sum = colors[e.a] + colors[e.b];
    if (sum === 1 && e.order === 'f') {
      statE++;
      const black = colors[e.a] === BLACK ? e.a : e.b;
      const white = black === e.a ? e.b : e.a;
      if (ccTop[cc[black]] && ccBottom[cc[white]]) eConn++;
    }
  }
  // CT_e_D_An / CT_e_A_Ca (identify_useful_triple_black_white_green).
  for (const t of adj[green]) {
    if (colors[t] === BLACK && ccTop[cc[t]]) eDAn++;
    if (colors[t] === WHITE && ccBottom[cc[t]]) eACa++;
  }

  // Tortuosity: Dijkstra from an electrode over same-colour edges and colour+electrode edges.
  const transport = (a: number, b: number): boolean => {
    const sum = colors[a] + colors[b];
    return sum === 20 || sum === 11 || sum === 23 || sum === 13 || colors[a] === colors[b];
  };
  const tortuosity = (source: number, target: number): number => {
    const dist = dijkstra(adj, g, source, transport);
    const position = source === red ? nw - 1 : 0;
    const eps = 1 / nw;
    let useful = 0;
    let straight = 0;
    for (let i = 0; i < n; i++) {
      if (!(dist[i] < 0.5 * F32_MAX) || colors[i] !== target) continue;
      useful++;
      const hDiff = Math.abs(position - (i % nw)) * pixel;
      const t = Math.abs(hDiff) < 1e-20 ? 1 : dist[i] / hDiff;
      if (Math.abs(t - 1) < eps) straight++;
    }
    return useful === 0 ? 0 : straight / useful;
  };

  let adjAn = 0;
  let adjCa = 0;
  for (let i = 0; i < n; i++) {
    if (colors[i] === BLACK && i % nw === nw - 1) adjAn++;
    if (colors[i] === WHITE && i % nw === 0) adjCa++;
  }

  const out: Record<string, number> = {
    STAT_n: nBlack + nWhite,
    STAT_e: statE,
    STAT_n_D: nBlack,
    STAT_n_A: nWhite,
    STAT_CC_D: ccBlack,
    STAT_CC_A: ccWhite,
    STAT_CC_D_An: ccBlackTop,
    STAT_CC_A_Ca: ccWhiteBottom,
    ABS_wf_D: wAbs / n,
    ABS_f_D: ratio(nBlack, nBlack + nWhite + nGrey),
    DISS_f10_D: ratio(nDiss, nBlack),
    DISS_wf10_D: ratio(wDiss, nBlack),
    CT_f_e_conn: ratio(eConn, statE),
    CT_f_conn_D_An: ratio(nBlackTop, nBlack),
    CT_f_conn_A_Ca: ratio(nWhiteBottom, nWhite),
    CT_e_conn: eConn,
    CT_e_D_An: eDAn,
    CT_e_A_Ca: eACa,
    CT_n_D_adj_An: adjAn,
    CT_n_A_adj_Ca: adjCa,
    CT_f_D_tort1: tortuosity(red, BLACK),
    CT_f_A_tort1: tortuosity(blue, WHITE),
  };
  if (threePhase) {
    out.STAT_n_M = nGrey;
    out.STAT_CC_M = ccGrey;
  }
  return out;
}

const F32_MAX = 3.4028234663852886e38;

/** GraSPI divides by counts that can be zero (then nan); here an empty set gives 0, as its tortuosity does. */
function ratio(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/** Boost's dijkstra_shortest_paths on a filtered graph with float distances; unreached = FLT_MAX. */
function dijkstra(adj: number[][], g: Graph, source: number, keep: (a: number, b: number) => boolean): Float32Array {
  const dist = new Float32Array(adj.length).fill(F32_MAX);
  const done = new Uint8Array(adj.length);
  dist[source] = 0;
  const heap = new MinHeap();
  heap.push(0, source);
  while (heap.size) {
    const [du, u] = heap.pop();
    if (done[u] || du > dist[u]) continue;
    done[u] = 1;
    for (const t of adj[u]) {
      if (done[t] || !keep(u, t)) continue;
      const nd = Math.fround(dist[u] + g.get(u, t)!.weight);
      if (nd < dist[t]) {
        dist[t] = nd;
        heap.push(nd, t);
      }
    }
  }
  return dist;
}

class MinHeap {
  private keys: number[] = [];
  private values: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  push(key: number, value: number): void {
    const k = this.keys;
    const v = this.values;
    let i = k.length;
    k.push(key);
    v.push(value);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] <= key) break;
      k[i] = k[p];
      v[i] = v[p];
      i = p;
    }
    k[i] = key;
    v[i] = value;
  }
  pop(): [number, number] {
    const k = this.keys;
    const v = this.values;
    const top: [number, number] = [k[0], v[0]];
    const lastK = k.pop()!;
    const lastV = v.pop()!;
    if (k.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= k.length) break;
        const c = l + 1 < k.length && k[l + 1] < k[l] ? l + 1 : l;
        if (k[c] >= lastK) break;
        k[i] = k[c];
        v[i] = v[c];
        i = c;
      }
      k[i] = lastK;
      v[i] = lastV;
    }
    return top;
  }
}

/**
 * A test morphology (D, H, W): uniform noise averaged over each voxel's 3^3 box, thresholded so that
 * about `fraction` is donor; blobs with winding paths rather than salt and pepper. With `mixed`,
 * that share of the other voxels (at random) becomes the mixed phase.
 */
export function randomMorphology(
  shape: [number, number, number],
  fraction: number,
  seed: number,
  mixed = 0,
): { data: Uint8Array; shape: [number, number, number] } {
  const [nd, nh, nw] = shape;
  const r = uniformStream(seed);
  const noise = Float64Array.from({ length: nd * nh * nw }, () => r());
  const field = new Float64Array(noise.length);
  for (let d = 0; d < nd; d++) {
    for (let h = 0; h < nh; h++) {
      for (let w = 0; w < nw; w++) {
        let sum = 0;
        let count = 0;
        for (let a = Math.max(0, d - 1); a <= Math.min(nd - 1, d + 1); a++) {
          for (let b = Math.max(0, h - 1); b <= Math.min(nh - 1, h + 1); b++) {
            for (let c = Math.max(0, w - 1); c <= Math.min(nw - 1, w + 1); c++) {
              sum += noise[(a * nh + b) * nw + c];
              count++;
            }
          }
        }
        field[(d * nh + h) * nw + w] = sum / count;
      }
    }
  }
  const sorted = Float64Array.from(field).sort();
  const cut = sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  const data = new Uint8Array(field.length);
  for (let i = 0; i < field.length; i++) data[i] = field[i] < cut ? 0 : r() < mixed ? 2 : 1;
  return { data, shape };
}
