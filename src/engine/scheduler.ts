/**
 * A small dependency-graph scheduler: a node runs once every node it depends on is done;
 * independent nodes run concurrently; a failed node makes its dependents `skipped` while
 * unrelated nodes keep going. `reverse` runs the graph backwards (for destroy).
 */
export type NodeState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface GraphNode {
  readonly name: string;
  readonly dependsOn: readonly string[];
}

export interface NodeOutcome<R> {
  readonly name: string;
  readonly state: 'done' | 'failed' | 'skipped';
  readonly result?: R;
  readonly error?: unknown;
  /** For skipped nodes: the failed or skipped node that caused it. */
  readonly because?: string;
}

export class CycleError extends Error {
  constructor(readonly path: string[]) {
    super(`dependency cycle: ${path.join(' -> ')}`);
    this.name = 'CycleError';
  }
}

export interface RunGraphOptions<R = unknown> {
  reverse?: boolean;
  /** Nodes not started when the signal aborts are skipped. */
  signal?: AbortSignal;
  onSkip?: (name: string, because: string) => void;
  /**
   * A node that finished but whose work goes on outside (a deletion AWS completes later): the
   * nodes after it are skipped, as after a failure, without the node itself failing.
   */
  holds?: (result: R) => boolean;
}

export async function runGraph<N extends GraphNode, R>(
  nodes: readonly N[],
  run: (node: N) => Promise<R>,
  options: RunGraphOptions<R> = {},
): Promise<NodeOutcome<R>[]> {
  const edges = edgesOf(nodes, options.reverse ?? false);
  assertAcyclic(nodes, edges);

  const state = new Map<string, NodeState>(nodes.map((n) => [n.name, 'pending']));
  const outcomes = new Map<string, NodeOutcome<R>>();
  const running = new Set<Promise<void>>();

  const held = new Set<string>();
  const settle = (outcome: NodeOutcome<R>) => {
    state.set(outcome.name, outcome.state);
    if (outcome.state === 'done' && options.holds?.(outcome.result as R)) held.add(outcome.name);
    outcomes.set(outcome.name, outcome);
  };

  for (;;) {
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const node of nodes) {
        if (state.get(node.name) !== 'pending') continue;
        const deps = edges.get(node.name) ?? [];
        const blocker = deps.find((d) => state.get(d) === 'failed' || state.get(d) === 'skipped' || held.has(d));
        if (blocker || options.signal?.aborted) {
          const because = blocker ?? 'interrupted';
          settle({ name: node.name, state: 'skipped', because });
          options.onSkip?.(node.name, because);
          progressed = true;
          continue;
        }
        if (!deps.every((d) => state.get(d) === 'done')) continue;
        state.set(node.name, 'running');
        const task = run(node).then(
          (result) => settle({ name: node.name, state: 'done', result }),
          (error: unknown) => settle({ name: node.name, state: 'failed', error }),
        );
        const tracked: Promise<void> = task.finally(() => running.delete(tracked));
        running.add(tracked);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  return nodes.map((n) => outcomes.get(n.name)!);
}

/** Dependencies inside the graph only; a dependency on a node not in it is taken as met. */
function edgesOf(nodes: readonly GraphNode[], reverse: boolean): Map<string, string[]> {
  const names = new Set(nodes.map((n) => n.name));
  const edges = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  for (const node of nodes) {
    for (const dep of node.dependsOn) {
      if (!names.has(dep)) continue;
      if (reverse) edges.get(dep)!.push(node.name);
      else edges.get(node.name)!.push(dep);
    }
  }
  return edges;
}

function assertAcyclic(nodes: readonly GraphNode[], edges: Map<string, string[]>): void {
  const visiting = new Set<string>();
  const visited = new Set<string>();
  const visit = (name: string, path: string[]) => {
    if (visited.has(name)) return;
    if (visiting.has(name)) {
      throw new CycleError([...path.slice(path.indexOf(name)), name]);
    }
    visiting.add(name);
    for (const dep of edges.get(name) ?? []) visit(dep, [...path, name]);
    visiting.delete(name);
    visited.add(name);
  };
  for (const node of nodes) visit(node.name, []);
}
