// Reads a .bib file on stdin, writes its entries as Better BibTeX's parser decodes them
// (fields as text, names as parts) as JSON on stdout. Case protection and sentence-casing
// off: the test compares the decoded text with the record's, not Zotero's title casing.
import { parse } from '@retorquere/bibtex-parser'

let input = ''
process.stdin.setEncoding('utf8')
for await (const chunk of process.stdin) input += chunk
const library = parse(input, { english: false, sentenceCase: false, caseProtection: false, unsupported: (node, tex) => tex })
process.stdout.write(JSON.stringify({
  errors: library.errors,
  entries: library.entries.map(entry => ({ key: entry.key, type: entry.type, fields: entry.fields })),
}))
