// The statements repositories run, kept ready. Kysely rebuilds each query's tree and compiles it to SQL on every
// call, so a statement whose shape is fixed is built once, with placeholders for its values, and compiled once per
// database; each run only puts the values in. On SQLite, where preparing costs as much as running, the prepared
// statements are kept as well (withStatementCache).
import type SQLite from 'better-sqlite3';
import type { CompiledQuery, DialectAdapter, QueryResult, SqliteDatabase } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Db } from './database.js';

/** Where a value goes in a statement, filled in at each run. */
class Placeholder {
  constructor(readonly name: string) {}

  // Arithmetic, comparison or string building would bake the placeholder into the statement instead of the value.
  [Symbol.toPrimitive](): never {
    throw new Error(`statement value ${this.name} is used in an expression: pass it as a parameter, or compute it before the run`);
  }
}

/** What a statement builds: a Kysely query, or raw `sql`. */
interface Query<Row> {
  compile(db: Db): CompiledQuery<Row>;
}

/** The values of a run: required when the statement declares any. */
type ValuesArgument<Values> = Record<never, never> extends Values ? [values?: Values] : [values: Values];

interface Compiled<Row> {
  query: CompiledQuery<Row>;
  /** For each parameter, the name of the value it takes, or undefined for a constant of the statement. */
  names: (string | undefined)[];
}

export class Statement<Values extends object, Row> {
  readonly #build: (db: Db, values: Values) => Query<Row>;
  // Keyed by the dialect's adapter, which a database shares with its transactions.
  readonly #compiled = new WeakMap<DialectAdapter, Compiled<Row>>();

  constructor(build: (db: Db, values: Values) => Query<Row>) {
    this.#build = build;
  }

  /** The rows it returns. */
  async all(db: Db, ...[values]: ValuesArgument<Values>): Promise<Row[]> {
    return (await this.#execute(db, values)).rows;
  }

  /** Its first row, if any. */
  async first(db: Db, ...[values]: ValuesArgument<Values>): Promise<Row | undefined> {
    return (await this.#execute(db, values)).rows[0];
  }

  /** How many rows it inserted, updated or deleted. */
  async run(db: Db, ...[values]: ValuesArgument<Values>): Promise<number> {
    return Number((await this.#execute(db, values)).numAffectedRows ?? 0n);
  }

  #execute(db: Db, values = {} as Values): Promise<QueryResult<Row>> {
    const adapter = db.getExecutor().adapter;
    let compiled = this.#compiled.get(adapter);
    if (!compiled) this.#compiled.set(adapter, (compiled = this.#compile(db, values)));
    const { query, names } = compiled;
    const parameters = names.map((name, index) => (name === undefined ? query.parameters[index] : valueNamed(values, name)));
    return db.executeQuery({ ...query, parameters });
  }

  #compile(db: Db, values: Values): Compiled<Row> {
    const placeholders = new Map<string, Placeholder>();
    const placeholderValues = new Proxy({} as Values, {
      get(_, name) {
        if (typeof name !== 'string') return undefined;
        let placeholder = placeholders.get(name);
        if (!placeholder) placeholders.set(name, (placeholder = new Placeholder(name)));
        return placeholder;
      },
    });
    const query = this.#build(db, placeholderValues).compile(db);
    const names = query.parameters.map((parameter) => (parameter instanceof Placeholder ? parameter.name : undefined));
    const outside = [...placeholders.keys()].filter((name) => !names.includes(name));
    if (outside.length > 0) throw new Error(`statement reads ${outside.join(', ')} but does not pass it as a parameter`);
    const unused = Object.keys(values).filter((name) => !names.includes(name));
    if (unused.length > 0) throw new Error(`statement does not use ${unused.join(', ')}`);
    return { query, names };
  }
}

function valueNamed(values: object, name: string): unknown {
  const value = (values as Record<string, unknown>)[name];
  if (value === undefined) throw new Error(`statement value ${name} is missing`);
  return value;
}

/**
 * Declares a statement whose shape does not depend on its values. `build` reads each value from `values` where it
 * goes as a parameter; it runs once per database, at the statement's first run there:
 *
 *   const findUser = statement((db, values: { id: string }) => db.selectFrom('users').selectAll().where('id', '=', values.id));
 *   const user = await findUser.first(db, { id });    // on the database or a transaction
 *
 * A value passed but never used, or used other than as a parameter, is refused at that first run.
 */
export function statement<Values extends object = Record<never, never>, Row = unknown>(build: (db: Db, values: Values) => Query<Row>): Statement<Values, Row> {
  return new Statement(build);
}

/**
 * Kysely prepares every query anew, and preparing costs as much as running on SQLite. Gatehouse runs a few dozen
 * query shapes, so their statements are kept prepared (bounded, for the shapes that vary with list lengths).
 */
export function withStatementCache(sqlite: SQLite.Database, size = 500): SqliteDatabase {
  const statements = new LRUCache<string, SQLite.Statement>({ max: size });
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = sqlite.prepare(sql)));
      return statement;
    },
  };
}
