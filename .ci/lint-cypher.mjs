// Lint graphcase's Neo4j Cypher with Neo4j's own linter (@neo4j-cypher/language-support), in ONE Node
// process (plus worker threads of it when there is a lot to lint and more than one core).
//
// What it lints:
//   * every Neo4j-flavoured query file: cypher/**/*.cypher except *.ladybug.cypher (LadybugDB-only siblings);
//   * every statement graphcase generates for Neo4j (schema, UNWIND upserts, look-ups), read from the JSON
//     written by `python -m graphcase.stores.dialects --neo4j-statements OUT.json`.
//
// Usage: node .ci/lint-cypher.mjs [--statements generated.json] [--schema-warnings-are-errors=no] [--no-cache]
//                                 [--jobs N] [FILE_OR_DIR ...]
//   (no FILE_OR_DIR: the repository's cypher/ folder). Exit 0: clean; 1: errors found; 2: bad usage.
//
// Kept: severity-1 diagnostics (syntax and semantic errors), except "Parameter $x is not defined" (queries
// take parameters; tests/test_catalogue_rules.py checks them against each header). The JSON also carries
// the graph schema (labels, relationship types, property keys, which type joins which labels); with it the
// linter warns about a misspelt label or relationship type, or a relationship between the wrong labels:
// those warnings are errors here too, since such a query runs and silently returns nothing.
//
// Linting is CPU-heavy (a long query takes seconds on a busy 2-core machine), so:
//   * a query found CLEAN is remembered in .ci/node_modules/.cache/lint-cypher.json, keyed by the SHA-256 of
//     the linter version, the schema, the options and the query text; an unchanged clean query is not linted
//     again. Queries with errors are never cached. A fresh CI checkout has no cache and lints everything.
//   * the queries not in the cache are shared among --jobs worker threads (default: the number of cores, at
//     most 4; 1 when there are fewer than 8 queries to lint, as each worker costs ~2 s to start).

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { lintCypherQuery, isNotParamError } from '@neo4j-cypher/language-support';

const here = fileURLToPath(import.meta.url);
const repo = resolve(dirname(here), '..');

// Warnings that come from the schema: a label or relationship type unknown to the graph, or a pattern the
// graph cannot hold. They become errors. An unknown property key stays a warning: the linter also flags
// keys of maps (`UNWIND $rows AS row ... row._from`), so it cannot tell a typo from a map key.
const SCHEMA_WARNING = /^(Label|Relationship type) \S+ is not present in the database|has no (incoming|outgoing)/;
const PROPERTY_WARNING = /^\S+ is not present in the database/;

function lint(query, schema, schemaWarnings) {
  const { diagnostics } = lintCypherQuery(query, schema);
  const kept = diagnostics.filter(isNotParamError).map((d) => ({ severity: d.severity, range: d.range, message: d.message }));
  return {
    errors: kept.filter((d) => d.severity === 1 || (schemaWarnings && SCHEMA_WARNING.test(d.message))),
    warnings: kept.filter((d) => d.severity !== 1 && PROPERTY_WARNING.test(d.message)),
  };
}

if (!isMainThread) {
  // A worker: lint the texts it was given, send the results back in the same order.
  const { texts, schema, schemaWarnings } = workerData;
  parentPort.postMessage(texts.map((text) => lint(text, schema, schemaWarnings)));
} else {
  process.exit(await main());
}

function parseArgs(argv) {
  const opts = { statements: null, schemaWarnings: true, cache: true, jobs: null, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--statements') opts.statements = argv[++i];
    else if (a === '--schema-warnings-are-errors=no') opts.schemaWarnings = false;
    else if (a === '--no-cache') opts.cache = false;
    else if (a === '--jobs') opts.jobs = Number.parseInt(argv[++i], 10);
    else if (a.startsWith('--')) return usage(`unknown option ${a}`);
    else opts.paths.push(a);
  }
  if (opts.jobs !== null && !(opts.jobs >= 1)) return usage('--jobs takes a whole number, 1 or more');
  if (opts.paths.length === 0) opts.paths.push(join(repo, 'cypher'));
  return opts;
}

function usage(message) {
  console.error(`lint-cypher: ${message}`);
  process.exit(2);
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

function lintInWorkers(texts, schema, schemaWarnings, jobs) {
  const chunks = Array.from({ length: jobs }, () => []);
  texts.forEach((t, i) => chunks[i % jobs].push(i)); // round robin: long and short queries spread out
  return Promise.all(
    chunks.map(
      (indices) =>
        new Promise((done, fail) => {
          const worker = new Worker(here, { workerData: { texts: indices.map((i) => texts[i]), schema, schemaWarnings } });
          worker.once('message', (results) => done(indices.map((i, k) => [i, results[k]])));
          worker.once('error', fail);
        }),
    ),
  ).then((parts) => {
    const out = new Array(texts.length);
    for (const [i, r] of parts.flat()) out[i] = r;
    return out;
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let generated = { schema: {}, statements: [] };
  if (opts.statements) {
    try {
      generated = JSON.parse(readFileSync(opts.statements, 'utf8'));
    } catch (e) {
      return usage(`cannot read generated statements ${opts.statements}: ${e.message}`);
    }
  }
  const schema = generated.schema ?? {};

  // Everything to lint, in report order: {where, text, showStatement}.
  const items = [];
  const empty = [];
  for (const root of opts.paths) {
    let files;
    try {
      files = cypherFiles(resolve(root));
    } catch (e) {
      return usage(`${root}: ${e.message}`);
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const where = relative(process.cwd(), file) || file;
      if (text.replace(/^\/\/.*$/gm, '').trim() === '') empty.push(where);
      else items.push({ where, text, showStatement: false });
    }
  }
  for (const { name, statement } of generated.statements ?? []) {
    items.push({ where: `generated ${name}`, text: statement, showStatement: true });
  }

  // The cache: clean results only.
  const version = JSON.parse(
    readFileSync(join(repo, '.ci', 'node_modules', '@neo4j-cypher', 'language-support', 'package.json'), 'utf8'),
  ).version;
  const cacheFile = join(repo, '.ci', 'node_modules', '.cache', 'lint-cypher.json');
  const salt = JSON.stringify([version, schema, opts.schemaWarnings]);
  const keyOf = (text) => createHash('sha256').update(salt).update('\0').update(text).digest('hex');
  let cache = {};
  if (opts.cache) {
    try {
      cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
    } catch {
      cache = {};
    }
  }
  const results = items.map((item) => (opts.cache && cache[keyOf(item.text)] ? { errors: [], warnings: cache[keyOf(item.text)].warnings } : null));
  const todo = items.map((_, i) => i).filter((i) => results[i] === null);
  const jobs = opts.jobs ?? (todo.length < 8 ? 1 : Math.min(availableParallelism(), 4));
  const texts = todo.map((i) => items[i].text);
  const fresh = jobs > 1 ? await lintInWorkers(texts, schema, opts.schemaWarnings, Math.min(jobs, texts.length)) : texts.map((t) => lint(t, schema, opts.schemaWarnings));
  todo.forEach((i, k) => {
    results[i] = fresh[k];
    if (fresh[k].errors.length === 0) cache[keyOf(items[i].text)] = { warnings: fresh[k].warnings };
  });
  if (opts.cache) {
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(cacheFile, JSON.stringify(cache));
  }

  let errors = 0;
  for (const where of empty) {
    errors++;
    console.log(`${where}:1:1: error: no Cypher after the header`);
  }
  items.forEach((item, i) => {
    const at = (d) => `${item.where}:${d.range.start.line + 1}:${d.range.start.character + 1}`;
    for (const d of results[i].errors) {
      errors++;
      console.log(`${at(d)}: error: ${d.message}${item.showStatement ? `\n    ${item.text}` : ''}`);
    }
    if (!item.showStatement) for (const d of results[i].warnings) console.log(`${at(d)}: warning: ${d.message}`);
  });
  console.log(
    `lint-cypher: ${items.length + empty.length} queries/statements checked with @neo4j-cypher/language-support ${version}` +
      ` (${todo.length} linted, ${items.length - todo.length} clean in the cache, ${jobs} job(s)), ${errors} error(s)`,
  );
  return errors ? 1 : 0;
}
