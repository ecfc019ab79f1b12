// Queries on the hot path, built and compiled once per database handle and then run with new
// values: Kysely compiles every builder call, which on the polling path cost as much as the lookup.
import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/**
 * Wraps a query builder so that it is compiled on first use and its SQL reused afterwards. The
 * builder must bind each parameter exactly once, in order (checked when it is compiled), so that
 * the compiled parameter list can be replaced by the new values.
 */
export function compiledOnce<DB, P extends readonly unknown[], O>(build: (db: Kysely<DB>, ...params: P) => Compilable<O>) {
  const templates = new WeakMap<Kysely<DB>, CompiledQuery<O>>();
  return async (db: Kysely<DB>, ...params: P): Promise<O[]> => {
    let template = templates.get(db);
    if (!template) {
      template = build(db, ...params).compile();
      const same = template.parameters.length === params.length && template.parameters.every((value, i) => value === params[i]);
      if (!same) throw new Error('compiledOnce: the query must bind each parameter once, in order');
      templates.set(db, template);
    }
    const { rows } = await db.executeQuery<O>({ ...template, parameters: params });
    return rows;
  };
}
