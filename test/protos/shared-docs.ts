// Locates the shared Mesos reference material (a sibling of the repository: <repo>/../shared/mesos) and
// parses the field tables of REFERENCE.md, so the protos are checked against the text they were written from.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** <repo>/../shared/mesos/ seen from dist-*\/test/protos/; NODAL_MESOS_DOCS overrides it. Throws a clear
 * error when it is missing, so the example tests fail instead of silently passing over nothing. */
export function mesosDocsDir(): string {
  const dir =
    process.env.NODAL_MESOS_DOCS ?? fileURLToPath(new URL('../../../../shared/mesos/', import.meta.url));
  if (!existsSync(`${dir}/examples/index.json`)) {
    throw new Error(
      `Mesos examples not found at ${dir}examples/ (set NODAL_MESOS_DOCS to the shared/mesos folder)`,
    );
  }
  return dir.endsWith('/') ? dir : `${dir}/`;
}

export interface ExampleEntry {
  file: string;
  proto_type: string;
  note: string;
}

/** examples/index.json: every example file with its message type. */
export const exampleIndex = (): ExampleEntry[] =>
  JSON.parse(readFileSync(`${mesosDocsDir()}examples/index.json`, 'utf8')) as ExampleEntry[];

/** Every *.json body under examples/ (index.json itself excluded), as 'scheduler/01-….json'. */
export const exampleJsonFiles = (): string[] =>
  readdirSync(`${mesosDocsDir()}examples/`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json') && f !== 'index.json')
    .sort();

/** The raw bytes of a file under examples/. */
export const exampleBytes = (file: string): Buffer => readFileSync(`${mesosDocsDir()}examples/${file}`);

export interface ReferenceField {
  num: number;
  name: string;
  label: 'optional' | 'required' | 'repeated' | 'map';
  /** Type name relative to mesos.v1 ('scheduler.Call.Type', 'TaskID', 'map<string,Value.Scalar>'). */
  type: string;
  /** The bracketed notes: 'default 5', 'default "*"; deprecated', 'oneof selector'. */
  notes?: string;
}

export type ReferenceType =
  { kind: 'message'; fields: ReferenceField[] } | { kind: 'enum'; values: [string, number][] };

/** Every `message`/`enum` listing in REFERENCE.md's code blocks, by name relative to mesos.v1. */
export function referenceTypes(): Map<string, ReferenceType> {
  const text = readFileSync(`${mesosDocsDir()}REFERENCE.md`, 'utf8');
  const types = new Map<string, ReferenceType>();
  for (const block of text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) {
    const stack: { indent: number; name: string }[] = [];
    for (const raw of block[1]!.split('\n')) {
      const indent = raw.length - raw.trimStart().length;
      const line = raw.trim();
      let m: RegExpMatchArray | null;
      if ((m = line.match(/^message (\S+)$/))) {
        if (!types.has(m[1]!)) types.set(m[1]!, { kind: 'message', fields: [] });
        while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
        stack.push({ indent, name: m[1]! });
      } else if ((m = line.match(/^enum (\S+): (.*)$/))) {
        const values = m[2]!.split(', ').map((v): [string, number] => {
          const [name, num] = v.split('=');
          return [name!, Number(num)];
        });
        types.set(m[1]!, { kind: 'enum', values });
      } else if (
        (m = line.match(/^(\d+)\s+(\w+)\s+(optional|required|repeated|map)\s+(\S+)(?:\s+\[(.*)\])?$/))
      ) {
        while (stack.length && stack[stack.length - 1]!.indent >= indent) stack.pop();
        const owner = types.get(stack[stack.length - 1]!.name);
        if (owner?.kind !== 'message') continue;
        const field: ReferenceField = {
          num: Number(m[1]),
          name: m[2]!,
          label: m[3] as ReferenceField['label'],
          type: m[4]!,
          ...(m[5] ? { notes: m[5] } : {}),
        };
        if (!owner.fields.some((f) => f.num === field.num)) owner.fields.push(field);
      }
    }
  }
  return types;
}
