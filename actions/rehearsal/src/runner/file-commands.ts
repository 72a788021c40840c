import { readFileSync } from 'node:fs';

/** Parses GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE: `name=value` lines and `name<<DELIMITER` blocks. */
export function parseFileCommand(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    const equals = line.indexOf('=');
    if (heredoc && (equals === -1 || line.indexOf('<<') < equals)) {
      const [, name = '', delimiter = ''] = heredoc;
      const body: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delimiter) body.push(lines[i++] ?? '');
      if (i >= lines.length) throw new Error(`Matching delimiter not found '${delimiter}' in ${path}`);
      values[name] = body.join('\n');
    } else if (equals > 0) {
      values[line.slice(0, equals)] = line.slice(equals + 1);
    } else {
      throw new Error(`Invalid format '${line}' in ${path}`);
    }
  }
  return values;
}
