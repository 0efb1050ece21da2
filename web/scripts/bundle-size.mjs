// Measures what a first visit downloads: the entry script and every module it preloads
// (gzip level 9, as a server or proxy would send it), and lists the lazy chunks apart.
// `--max-kb N` fails when the initial JavaScript is over N KB gzipped.
import { readFile, readdir } from 'node:fs/promises'
import { gzipSync } from 'node:zlib'

const dist = new URL('../dist/', import.meta.url)
const html = await readFile(new URL('index.html', dist), 'utf8')
const initial = new Set(
  [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]),
)
const gz = async (path) => gzipSync(await readFile(new URL(path, dist)), { level: 9 }).length
const kb = (n) => (n / 1024).toFixed(1)

let initialBytes = 0
const rows = []
for (const name of (await readdir(new URL('assets/', dist))).filter((f) => f.endsWith('.js'))) {
  const path = `assets/${name}`
  const size = await gz(path)
  const first = initial.has(path)
  if (first) initialBytes += size
  rows.push({ name, size, first })
}
rows.sort((a, b) => b.size - a.size)
for (const r of rows) console.log(`${r.first ? 'initial' : 'lazy   '}  ${kb(r.size).padStart(7)} KB  ${r.name}`)
console.log(`initial JavaScript: ${kb(initialBytes)} KB gzipped (${initial.size} files)`)
const i = process.argv.indexOf('--max-kb')
if (i > 0 && initialBytes / 1024 > Number(process.argv[i + 1])) {
  console.error(`over the budget of ${process.argv[i + 1]} KB`)
  process.exit(1)
}
