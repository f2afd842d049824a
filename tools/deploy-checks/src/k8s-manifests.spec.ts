import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { k8sDir, renderKustomization, repoRoot, type K8sObject } from './kustomize-render';

const SERVICES = ['alarm-ingestion', 'sla-calculator', 'escalation', 'notifier', 'reporting-api'];

/** Schema problems of the rendered objects, from the Kubernetes OpenAPI schemas of `kubernetes-models`. */
function schemaProblems(objects: K8sObject[]): Array<{ kind: string; name: string; problem: string }> {
  const out = execFileSync(process.execPath, [join(__dirname, 'validate-k8s.mjs')], { cwd: repoRoot, input: JSON.stringify(objects), encoding: 'utf8' });
  return JSON.parse(out);
}

type Container = {
  image: string; args: string[]; ports: Array<{ containerPort: number }>;
  env: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom: Array<{ configMapRef: { name: string } }>;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  livenessProbe: { httpGet: { path: string } }; readinessProbe: { httpGet: { path: string } }; startupProbe?: { httpGet: { path: string } };
};
type Deployment = K8sObject & { spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { terminationGracePeriodSeconds: number; containers: Container[] } } } };

describe.each(['dev', 'production'])('k8s overlay %s', (overlay) => {
  const objects = renderKustomization(k8sDir('overlays', overlay));
  const of = <T extends K8sObject>(kind: string) => objects.filter((o) => o.kind === kind) as T[];

  it('renders objects that the Kubernetes API schemas accept', () => {
    expect(objects.length).toBeGreaterThan(0);
    expect(schemaProblems(objects)).toEqual([]);
  });

  it('has a Deployment, Service, HPA and PDB for each of the five services, in one namespace', () => {
    for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
      expect(of(kind).map((o) => o.metadata.name).sort()).toEqual([...SERVICES].sort());
    }
    expect(new Set(objects.map((o) => o.metadata.namespace))).toEqual(new Set([overlay === 'dev' ? 'vigil-dev' : 'vigil']));
  });

  it('probes liveness and readiness on the health routes, sets resources and outlasts the 30 s graceful shutdown', () => {
    for (const d of of<Deployment>('Deployment')) {
      const [c] = d.spec.template.spec.containers;
      expect(c.args).toEqual([d.metadata.name]);
      expect(c.livenessProbe.httpGet.path).toBe('/health/liveness');
      expect(c.readinessProbe.httpGet.path).toBe('/health/readiness');
      expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(c.resources.limits).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(30);
      expect(c.image).toMatch(/^ghcr\.io\/vigil\/vigil:/);
    }
  });

  it('targets what exists: HPAs their Deployment, PDBs and Services the pods, env the ConfigMap and Secret', () => {
    const deployments = of<Deployment>('Deployment');
    for (const hpa of of<K8sObject & { spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number } }>('HorizontalPodAutoscaler')) {
      expect(deployments.map((d) => d.metadata.name)).toContain(hpa.spec.scaleTargetRef.name);
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    }
    for (const selecting of [...of<K8sObject & { spec: { selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget'), ...of<K8sObject & { spec: { selector: Record<string, string> } }>('Service').map((s) => ({ ...s, spec: { selector: { matchLabels: s.spec.selector } } }))]) {
      const pods = deployments.filter((d) => Object.entries(selecting.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      expect(pods.map((d) => d.metadata.name)).toEqual([selecting.metadata.name]);
    }
    const configMaps = of<K8sObject & { data: Record<string, string> }>('ConfigMap');
    for (const d of deployments) {
      const [c] = d.spec.template.spec.containers;
      for (const ref of c.envFrom) expect(configMaps.map((m) => m.metadata.name)).toContain(ref.configMapRef.name);
      expect(c.env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.valueFrom!.secretKeyRef!.name)).toEqual(['vigil-secrets', 'vigil-secrets']);
      expect(c.env.find((e) => e.name === 'DATABASE_URL')?.value).toBeUndefined();
    }
    const [config] = configMaps;
    expect(config.data).toEqual(expect.objectContaining({ KAFKA_BROKERS: expect.any(String), KAFKA_REPLICATION_FACTOR: overlay === 'dev' ? '1' : '3', OTEL_EXPORTER_OTLP_ENDPOINT: expect.stringMatching(/^http/) }));
  });
});

describe('the k8s checks themselves', () => {
  it('report an object the API schema refuses', () => {
    const [deployment] = renderKustomization(k8sDir('base')).filter((o) => o.kind === 'Deployment') as Deployment[];
    const broken = { ...deployment, spec: { ...deployment.spec, replicas: 'three' } };
    expect(schemaProblems([broken])).toEqual([expect.objectContaining({ kind: 'Deployment', problem: expect.stringMatching(/replicas/) })]);
  });

  it('refuses a patch that matches nothing rather than rendering without it', () => {
    expect(() => renderKustomization(join(__dirname, '__fixtures__', 'patch-matches-nothing'))).toThrow(/matches nothing/);
  });
});
