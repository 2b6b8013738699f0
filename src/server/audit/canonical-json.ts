/**
 * Canonical JSON for the audit hash chain: object keys sorted (by UTF-16 code unit, as
 * `Array.prototype.sort` does), no whitespace, the rest exactly as `JSON.stringify`. Postgres `jsonb`
 * reorders keys and drops insignificant whitespace, so the chain must never depend on either; what
 * is stored is the parse of this text, so hashing it again after a round trip gives the same bytes.
 */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const obj = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, obj[k]]),
    );
  });
  // JSON.stringify(undefined) is undefined; an entry always has a value, so make that explicit.
  return text ?? 'null';
}
