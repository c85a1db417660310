// Lint graphcase's Neo4j Cypher with Neo4j's own linter (@neo4j-cypher/language-support), in ONE Node
// process (the first query costs ~2 s of start-up, the rest ~60-250 ms each).
//
// What it lints:
//   * every Neo4j-flavoured query file: cypher/**/*.cypher except *.ladybug.cypher (LadybugDB-only siblings);
//   * every statement graphcase generates for Neo4j (schema, UNWIND upserts, look-ups), read from the JSON
//     written by `python -m graphcase.stores.dialects --neo4j-statements OUT.json`.
//
// Usage: node .ci/lint-cypher.mjs [--statements generated.json] [--schema-warnings-are-errors=no] [--no-cache]
//                                 [FILE_OR_DIR ...]
//   (no FILE_OR_DIR: the repository's cypher/ folder). Exit 0: clean; 1: errors found; 2: bad usage.
//
// Linting is CPU-heavy (a long query takes seconds on a busy 2-core machine), so a query found CLEAN is
// remembered in .ci/node_modules/.cache/lint-cypher.json, keyed by the SHA-256 of the linter version, the
// schema, the options and the query text: an unchanged clean query is not linted again. Queries with errors
// are never cached. A fresh CI checkout has no cache and lints everything.
//
// Kept: severity-1 diagnostics (syntax and semantic errors), except "Parameter $x is not defined" (queries
// take parameters; tests/test_catalogue_rules.py checks them against each header). The JSON also carries
// the graph schema (labels, relationship types, property keys, which type joins which labels); with it the
// linter warns about a misspelt label, type or property, or a relationship between the wrong labels: those
// warnings are errors here too, since such a query runs and silently returns nothing.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintCypherQuery, isNotParamError } from '@neo4j-cypher/language-support';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { statements: null, schemaWarnings: true, cache: true, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--statements') opts.statements = argv[++i];
    else if (a === '--schema-warnings-are-errors=no') opts.schemaWarnings = false;
    else if (a === '--no-cache') opts.cache = false;
    else if (a.startsWith('--')) {
      console.error(`lint-cypher: unknown option ${a}`);
      process.exit(2);
    } else opts.paths.push(a);
  }
  if (opts.paths.length === 0) opts.paths.push(join(repo, 'cypher'));
  return opts;
}

function cypherFiles(path) {
  const st = statSync(path);
  if (st.isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => {
      const full = join(path, e.name);
      if (e.isDirectory()) return cypherFiles(full);
      return e.name.endsWith('.cypher') && !e.name.endsWith('.ladybug.cypher') ? [full] : [];
    });
}

// Warnings that come from the schema: a label or relationship type unknown to the graph, or a pattern the
// graph cannot hold. They become errors. An unknown property key stays a warning: the linter also flags
// keys of maps (`UNWIND $rows AS row ... row._from`), so it cannot tell a typo from a map key.
const SCHEMA_WARNING = /^(Label|Relationship type) \S+ is not present in the database|has no (incoming|outgoing)/;
const PROPERTY_WARNING = /^\S+ is not present in the database/;

const linterVersion = JSON.parse(
  readFileSync(join(repo, '.ci', 'node_modules', '@neo4j-cypher', 'language-support', 'package.json'), 'utf8'),
).version;
const cacheFile = join(repo, '.ci', 'node_modules', '.cache', 'lint-cypher.json');
let cache = {};
let cacheSalt = '';

function loadCache(schema, opts) {
  cacheSalt = JSON.stringify([linterVersion, schema, opts.schemaWarnings]);
  if (!opts.cache) return;
  try {
    cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
  } catch {
    cache = {};
  }
}

function saveCache(opts) {
  if (!opts.cache) return;
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(cache));
}

function problems(query, schema, opts) {
  const key = createHash('sha256').update(cacheSalt).update('\0').update(query).digest('hex');
  if (opts.cache && cache[key]) return { errors: [], warnings: cache[key].warnings };
  const found = lint(query, schema, opts);
  if (found.errors.length === 0) cache[key] = { warnings: found.warnings };
  return found;
}

function lint(query, schema, opts) {
  const { diagnostics } = lintCypherQuery(query, schema);
  const kept = diagnostics.filter(isNotParamError);
  return {
    errors: kept.filter((d) => d.severity === 1 || (opts.schemaWarnings && SCHEMA_WARNING.test(d.message))),
    warnings: kept
      .filter((d) => d.severity !== 1 && PROPERTY_WARNING.test(d.message))
      .map((d) => ({ range: d.range, message: d.message })),
  };
}

const opts = parseArgs(process.argv.slice(2));
let generated = { schema: {}, statements: [] };
if (opts.statements) {
  try {
    generated = JSON.parse(readFileSync(opts.statements, 'utf8'));
  } catch (e) {
    console.error(`lint-cypher: cannot read generated statements ${opts.statements}: ${e.message}`);
    process.exit(2);
  }
}
const schema = generated.schema ?? {};
loadCache(schema, opts);

let checked = 0;
let errors = 0;
const report = (where, line, col, message) => {
  errors++;
  console.log(`${where}:${line}:${col}: error: ${message}`);
};

for (const root of opts.paths) {
  let files;
  try {
    files = cypherFiles(resolve(root));
  } catch (e) {
    console.error(`lint-cypher: ${root}: ${e.message}`);
    process.exit(2);
  }
  for (const file of files) {
    checked++;
    const text = readFileSync(file, 'utf8');
    const name = relative(process.cwd(), file) || file;
    if (text.trim().replace(/^\/\/.*$/gm, '').trim() === '') {
      report(name, 1, 1, 'no Cypher after the header');
      continue;
    }
    const found = problems(text, schema, opts);
    for (const d of found.errors) report(name, d.range.start.line + 1, d.range.start.character + 1, d.message);
    for (const d of found.warnings) {
      console.log(`${name}:${d.range.start.line + 1}:${d.range.start.character + 1}: warning: ${d.message}`);
    }
  }
}

for (const { name, statement } of generated.statements ?? []) {
  checked++;
  for (const d of problems(statement, schema, opts).errors) {
    report(`generated ${name}`, d.range.start.line + 1, d.range.start.character + 1, `${d.message}\n    ${statement}`);
  }
}

saveCache(opts);
console.log(`lint-cypher: ${checked} queries/statements checked with @neo4j-cypher/language-support, ${errors} error(s)`);
process.exit(errors ? 1 : 0);
