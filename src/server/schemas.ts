import { Type } from 'typebox';

/** Lowercase hex of an exact length, with a message that says what a valid value looks like. */
const hex = (chars: number, what: string) =>
  Type.String({ pattern: `^[0-9a-f]{${chars}}$`, description: `${what}: ${chars} lowercase hex characters` });

export const PdqHex = hex(64, 'PDQ hash (256 bits)');
export const BlockhashHex = hex(64, 'blockhash (256 bits)');
export const Md5Hex = hex(32, 'MD5 of the file');
export const Sha256Hex = hex(64, 'SHA-256 of the file');
const Quality = Type.Integer({ minimum: 0, maximum: 100 });

export const FrameHashSchema = Type.Object(
  { ms: Type.Integer({ minimum: 0 }), pdq: PdqHex, pdqQuality: Quality },
  { additionalProperties: false },
);

export const VariantHashSchema = Type.Object(
  { name: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }), pdq: PdqHex, pdqQuality: Quality },
  { additionalProperties: false },
);

/** One file's fingerprints, as `hashwatch hash --json` prints them (the `file` name is optional and ignored). */
export const ItemHashesSchema = Type.Object(
  {
    file: Type.Optional(Type.String({ maxLength: 4096 })),
    kind: Type.Union([Type.Literal('image'), Type.Literal('video')]),
    sha256: Sha256Hex,
    md5: Md5Hex,
    pdq: Type.Union([PdqHex, Type.Null()]),
    pdqQuality: Type.Union([Quality, Type.Null()]),
    blockhash: Type.Optional(Type.Union([BlockhashHex, Type.Null()])),
    width: Type.Optional(Type.Integer({ minimum: 1 })),
    height: Type.Optional(Type.Integer({ minimum: 1 })),
    durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
    frames: Type.Optional(Type.Array(FrameHashSchema, { maxItems: 7200 })),
    variants: Type.Optional(Type.Array(VariantHashSchema, { maxItems: 32 })),
  },
  { additionalProperties: false },
);

export const ConsentSchema = Type.Object(
  {
    version: Type.String({ minLength: 1, maxLength: 32 }),
    role: Type.Union([Type.Literal('self'), Type.Literal('representative'), Type.Literal('guardian')]),
    adult: Type.Boolean(),
    accepted: Type.Literal(true, { description: 'the person read and accepted the consent statement' }),
  },
  { additionalProperties: false },
);

export const ErrorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});
