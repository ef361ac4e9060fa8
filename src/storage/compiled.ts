// Statements on the token path built and compiled once, then run with new values. Kysely otherwise rebuilds each
// statement's tree and compiles it to SQL on every call, which was a fifth of a token exchange's time. The SQL
// itself is prepared once either way (a statement cache on SQLite, the server's plan cache on PostgreSQL).
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Db } from './database.js';

/** A value's place in a statement, filled in at each run. */
class Slot {
  constructor(readonly name: string) {}
}

export type Run<Name extends string, Row> = (db: Pick<Db, 'executeQuery'>, values: Record<Name, unknown>) => Promise<QueryResult<Row>>;

/**
 * Compiles the statement `build` makes, with `slot(name)` wherever one of the named values goes (typed to fit any
 * column); each run passes those values by name, on `db` or on a transaction. Other values in the statement
 * (constants, nulls) stay as built.
 */
export function compiled<Name extends string, Row>(db: Db, names: readonly Name[], build: (slot: (name: Name) => never) => Compilable<Row>): Run<Name, Row> {
  const query = build((name) => new Slot(name) as never).compile();
  const places = query.parameters.map((parameter) => (parameter instanceof Slot ? (parameter.name as Name) : undefined));
  const missing = names.filter((name) => !places.includes(name));
  if (missing.length > 0) throw new Error(`compiled statement does not use ${missing.join(', ')}`);
  return (executor, values) => {
    const parameters = query.parameters.map((parameter, index) => (places[index] === undefined ? parameter : values[places[index]!]));
    return executor.executeQuery({ ...query, parameters } as CompiledQuery<Row>);
  };
}
