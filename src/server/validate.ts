import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** Problems of `value` against `schema`, as `field message` strings (empty when valid). */
export function schemaProblems(schema: TSchema, value: unknown, root = ''): string[] {
  const out: string[] = [];
  for (const e of Value.Errors(schema, value)) {
    if (e.keyword === 'boolean') continue; // the additionalProperties echo of a real error
    const field = `${root}${e.instancePath.replaceAll('/', '.')}`.replace(/^\./, '') || '(line)';
    const extra = (e.params as { additionalProperties?: string[] }).additionalProperties;
    out.push(extra ? `${field}: unexpected field(s) ${extra.join(', ')}` : `${field} ${e.message}`);
  }
  return out;
}
