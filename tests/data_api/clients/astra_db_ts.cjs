// Drives @datastax/astra-db-ts (unmodified) against the service: node astra_db_ts.cjs <url> <keyspace> <table>.
// The package is loaded from $ASTRA_DB_TS (its directory in a cache, never the repository). Prints one JSON line
// with what each call gave back, for tests/data_api/test_clients.py to check.
const { DataAPIClient, UsernamePasswordTokenProvider } = require(process.env.ASTRA_DB_TS);

async function main() {
  const [url, keyspace, name] = process.argv.slice(2);
  const client = new DataAPIClient({ environment: 'cassandra' });
  const db = client.db(url, { token: new UsernamePasswordTokenProvider('cassandra', 'cassandra'), keyspace });
  const out = {};
  const table = await db.createTable(name, {
    definition: { columns: { id: 'text', n: 'int', tags: { type: 'set', valueType: 'text' } }, primaryKey: 'id' },
  });
  out.listed = await db.listTables({ nameOnly: true });
  await table.insertOne({ id: 'a', n: 1, tags: new Set(['x', 'y']) });
  const rows = Array.from({ length: 120 }, (_, i) => ({ id: `r${i}`, n: i }));
  const inserted = await table.insertMany(rows);
  out.insertedCount = inserted.insertedCount;
  const found = await table.find({}).toArray();
  out.foundIds = found.map((row) => row.id).sort();
  const one = await table.findOne({ id: 'a' });
  out.findOne = { id: one.id, n: one.n, tags: Array.from(one.tags).sort() };
  await table.updateOne({ id: 'a' }, { $set: { n: 5 } });
  out.updated = (await table.findOne({ id: 'a' })).n;
  await table.deleteOne({ id: 'r1' });
  await table.deleteMany({ id: { $in: ['r2', 'r3'] } });
  out.afterDeletes = (await table.find({}).toArray()).length;
  await db.dropTable(name);
  out.afterDrop = await db.listTables({ nameOnly: true });
  await client.close();
  console.log(JSON.stringify(out));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
