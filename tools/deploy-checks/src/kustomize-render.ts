import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** A Kubernetes object as rendered: plain data. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [key: string]: unknown };

interface Kustomization {
  namespace?: string;
  resources?: string[];
  labels?: Array<{ pairs: Record<string, string> }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  configMapGenerator?: Array<{ name: string; behavior?: 'create' | 'merge' | 'replace'; literals?: string[] }>;
  generatorOptions?: { disableNameSuffixHash?: boolean };
  patches?: Array<{ target: { kind?: string; name?: string }; patch: string }>;
}

type PatchOp = { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown };

/** The Kustomization features Vigil's k8s/ uses, and only those: anything else is refused rather than ignored. */
const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'labels', 'images', 'configMapGenerator', 'generatorOptions', 'patches']);

function applyPatch(target: Record<string, unknown>, op: PatchOp): void {
  const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = parts.pop()!;
  let node: Record<string, unknown> | unknown[] = target;
  for (const part of parts) {
    const next: unknown = Array.isArray(node) ? node[Number(part)] : node[part];
    if (next === undefined || next === null || typeof next !== 'object') throw new Error(`patch path ${op.path}: ${part} does not exist`);
    node = next as Record<string, unknown> | unknown[];
  }
  const exists = Array.isArray(node) ? Number(last) < node.length : last in node;
  if (op.op === 'replace' && !exists) throw new Error(`patch replace ${op.path}: nothing there to replace`);
  if (op.op === 'remove') {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
    return;
  }
  if (Array.isArray(node)) {
    if (last === '-') node.push(op.value);
    else if (op.op === 'add') node.splice(Number(last), 0, op.value);
    else node[Number(last)] = op.value;
  } else node[last] = op.value;
}

/**
 * Renders a kustomization directory as `kustomize build` would for the features above
 * (no kustomize binary is installable here from npm or Debian). The output is what the
 * tests then schema-check; a real `kustomize build` in CI with a cluster toolchain
 * remains the reference.
 */
export function renderKustomization(dir: string): K8sObject[] {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization & Record<string, unknown>;
  const unknown = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unknown.length > 0) throw new Error(`${dir}/kustomization.yaml: unsupported fields ${unknown.join(', ')}`);
  let objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const path = resolve(dir, resource);
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else objects.push(...parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as K8sObject).filter(Boolean));
  }
  for (const generator of k.configMapGenerator ?? []) {
    const data = Object.fromEntries((generator.literals ?? []).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const existing = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === generator.name);
    if (generator.behavior === 'merge' || generator.behavior === 'replace') {
      if (!existing) throw new Error(`${dir}: configMapGenerator ${generator.name} ${generator.behavior}s a ConfigMap the bases do not have`);
      existing.data = generator.behavior === 'merge' ? { ...(existing.data as Record<string, string>), ...data } : data;
    } else {
      if (existing) throw new Error(`${dir}: ConfigMap ${generator.name} generated twice`);
      if (!k.generatorOptions?.disableNameSuffixHash) throw new Error(`${dir}: name suffix hashes are not rendered here; set generatorOptions.disableNameSuffixHash`);
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data });
    }
  }
  for (const patch of k.patches ?? []) {
    const ops = parse(patch.patch) as PatchOp[];
    const targets = objects.filter((o) => (!patch.target.kind || o.kind === patch.target.kind) && (!patch.target.name || o.metadata.name === patch.target.name));
    if (targets.length === 0) throw new Error(`${dir}: patch for ${JSON.stringify(patch.target)} matches nothing`);
    for (const target of targets) for (const op of ops) applyPatch(target, op);
  }
  for (const image of k.images ?? []) {
    for (const o of objects) {
      const containers = ((o.spec as { template?: { spec?: { containers?: Array<{ image: string }> } } } | undefined)?.template?.spec?.containers) ?? [];
      for (const c of containers) {
        const [name, tag] = c.image.split(':');
        if (name === image.name || name === image.newName) c.image = `${image.newName ?? name}:${image.newTag ?? tag ?? 'latest'}`;
      }
    }
  }
  for (const { pairs } of k.labels ?? []) for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...pairs };
  if (k.namespace) objects = objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: k.namespace } }));
  return objects;
}

export const repoRoot = resolve(__dirname, '../../..');
export const k8sDir = (...parts: string[]) => join(repoRoot, 'k8s', ...parts);
