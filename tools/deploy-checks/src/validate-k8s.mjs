// Validates Kubernetes objects (a JSON array on standard input) against the API's OpenAPI
// schemas shipped in the `kubernetes-models` package (ES modules only, hence this script
// beside the jest test). Prints one JSON array of problems; exits 0 either way.
import { readFileSync } from 'node:fs';

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const o of objects) {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}/${o.kind}` : `kubernetes-models/${version}/${o.kind}`;
  try {
    const module = await import(path);
    new module[o.kind](o).validate();
  } catch (error) {
    problems.push({ kind: o.kind, name: o.metadata?.name, problem: String(error && error.message ? error.message : error).slice(0, 2000) });
  }
}
process.stdout.write(JSON.stringify(problems));
