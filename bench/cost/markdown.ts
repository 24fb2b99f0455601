// Markdown pieces the cost and scale sections share.

/** A source for a Markdown table: a bare URL as a link, anything else (a repository and a path) as written. */
export function cite(source: string): string {
  return /^https?:\/\/\S+$/.test(source) ? `<${source}>` : source;
}

export function table(head: string[], rows: Array<Array<string | number>>): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}
