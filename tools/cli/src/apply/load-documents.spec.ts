import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DocumentLoadError, loadDocuments } from './load-documents';

describe('loadDocuments', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-cli-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, text: string): Promise<string> {
    const target = path.join(dir, name);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
    return target;
  }

  async function loadProblems(paths: string[]): Promise<string[]> {
    const error: unknown = await loadDocuments(paths).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DocumentLoadError);
    return (error as DocumentLoadError).problems;
  }

  it('reads every document of a multi-document file in order, skipping empty ones', async () => {
    const target = await file('two.yaml', '---\nkind: Tenant\nmetadata: { name: a }\n---\n# only a comment\n---\nkind: Tenant\nmetadata: { name: b }\n---\n');
    await expect(loadDocuments([target])).resolves.toEqual([
      { source: target, index: 1, raw: { kind: 'Tenant', metadata: { name: 'a' } } },
      { source: target, index: 2, raw: { kind: 'Tenant', metadata: { name: 'b' } } },
    ]);
  });

  it('keeps YAML 1.2 meanings: `on` is a key, dates stay strings', async () => {
    const target = await file('policy.yaml', 'spec: { on: [alarm-raised], holidays: [2026-12-24] }\n');
    await expect(loadDocuments([target])).resolves.toMatchObject([{ raw: { spec: { on: ['alarm-raised'], holidays: ['2026-12-24'] } } }]);
  });

  it('reads the .yaml and .yml files of a directory by name, files given after it follow', async () => {
    await file('conf/b.yml', 'n: b\n');
    await file('conf/a.yaml', 'n: a\n');
    await file('conf/notes.txt', 'n: ignored\n');
    const last = await file('last.yaml', 'n: last\n');
    const documents = await loadDocuments([path.join(dir, 'conf'), last]);
    expect(documents.map((d) => (d.raw as { n: string }).n)).toEqual(['a', 'b', 'last']);
  });

  it('reads standard input for -', async () => {
    const documents = await loadDocuments(['-'], { readStdin: async () => 'n: 1\n---\nn: 2\n' });
    expect(documents).toEqual([
      { source: '<stdin>', index: 1, raw: { n: 1 } },
      { source: '<stdin>', index: 2, raw: { n: 2 } },
    ]);
  });

  it('reports YAML syntax errors with file and line', async () => {
    const target = await file('broken.yaml', 'kind: Tenant\nmetadata: { name: acme\n');
    const problems = await loadProblems([target]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(new RegExp(`^${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line \\d+, column \\d+: `));
  });

  it('reports every missing path and empty directory', async () => {
    await mkdir(path.join(dir, 'empty'));
    const problems = await loadProblems([path.join(dir, 'nope.yaml'), path.join(dir, 'empty')]);
    expect(problems).toEqual([
      `${path.join(dir, 'nope.yaml')}: no such file or directory`,
      `${path.join(dir, 'empty')}: no .yaml or .yml files in this directory`,
    ]);
  });
});
