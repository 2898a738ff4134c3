import pg from 'pg'

// int8 (and int8[]) as JavaScript numbers, as the PGlite driver returns them: the
// same query gives the same rows on either driver. Counts and ids stay far below
// 2^53.

const INT8_ARRAY_OID = 1016
const parseInt8 = (value: string) => Number(value)
const defaultParser = pg.types.getTypeParser as (
  oid: number,
  format?: string,
) => (value: string) => unknown
const parseInt8Array = (value: string) =>
  (defaultParser(INT8_ARRAY_OID, 'text')(value) as (string | null)[]).map((item) =>
    item === null ? null : Number(item),
  )

/** The `types` of a node-postgres client or pool. */
export const typeParsers = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === (pg.types.builtins.INT8 as number)) return parseInt8
    if (oid === INT8_ARRAY_OID) return parseInt8Array
    return defaultParser(oid, format)
  }) as typeof pg.types.getTypeParser,
}
