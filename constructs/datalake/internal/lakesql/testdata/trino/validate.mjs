// Reads a JSON array of SQL statements on standard input and writes, for
// each, the syntax errors dt-sql-parser's Trino grammar (Trino's own
// SqlBase.g4, compiled with ANTLR) finds in it: a JSON array of arrays.
// Run with: node --import ./register.mjs validate.mjs
import { TrinoSQL } from 'dt-sql-parser';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const parser = new TrinoSQL();
  const out = JSON.parse(input).map((sql) => parser.validate(sql).map((e) => `${e.startLine}:${e.startColumn}: ${e.message}`));
  process.stdout.write(JSON.stringify(out));
});
