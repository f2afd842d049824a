import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The app's layering, checked on its own sources: the report rules in `domain/` are pure (no
 * handler, reader, projection, cache or framework), and no folder depends on itself through
 * others, so a rule can be read and tested without the rest and a folder can move without dragging a cycle.
 */
const SRC = __dirname;
/** What the rules may use besides each other: the contracts, the SLA engine and pure helpers. */
const DomainPackages = ['@vigil/contracts', '@vigil/sla-engine', 'luxon', 'node:crypto'];

const isTest = (file: string) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(file);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sources(full);
    return entry.name.endsWith('.ts') && !isTest(entry.name) ? [full] : [];
  });
}

/** The modules a file imports or re-exports (`from '…'`, and `import '…'` for side effects). */
const importsOf = (file: string) => [
  ...readFileSync(file, 'utf8').matchAll(
    /^(?:import\s+['"]([^'"]+)['"]|(?:import|export)\s+(?:type\s+)?(?:\*(?:\s+as\s+\w+)?|\{[^}]*\}|\w+(?:\s*,\s*\{[^}]*\})?)\s+from\s+['"]([^'"]+)['"])/gm,
  ),
].map((m) => m[1] ?? m[2]);

/** The folder right under src/ a file belongs to; `.` for the files at the top. */
const folderOf = (file: string) => {
  const [first, ...rest] = path.relative(SRC, file).split(path.sep);
  return rest.length === 0 ? '.' : first;
};

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sources(SRC)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const specifier of importsOf(file).filter((s) => s.startsWith('.'))) {
      const to = folderOf(path.resolve(path.dirname(file), specifier));
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the folders along it. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const walk = (node: string, trail: string[]) => {
    const at = trail.indexOf(node);
    if (at >= 0) {
      found.push([...trail.slice(at), node]);
      return;
    }
    if (done.has(node)) return;
    for (const next of graph.get(node) ?? []) walk(next, [...trail, node]);
    done.add(node);
  };
  for (const node of graph.keys()) walk(node, []);
  return found;
}

describe('reporting-api folder dependencies', () => {
  it('keeps the report rules pure: domain/ imports only itself, the contracts, the SLA engine and pure helpers', () => {
    const domain = sources(path.join(SRC, 'domain'));
    expect(domain.length).toBeGreaterThan(0);
    const leaving = domain.flatMap((file) => importsOf(file)
      .filter((s) => (s.startsWith('.') ? folderOf(path.resolve(path.dirname(file), s)) !== 'domain' : !DomainPackages.includes(s)))
      .map((s) => `${path.relative(SRC, file)} imports ${s}`));
    expect(leaving).toEqual([]);
  });

  it('has no cycle between its folders', () => {
    const graph = folderGraph();
    expect(graph.get('domain')).toEqual(new Set());
    expect(cycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });
});
