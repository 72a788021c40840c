/**
 * Collects the figures of one benchmark, prints each as soon as it is measured (a long run shows
 * progress and a crash loses nothing already printed), and renders the BENCHMARKS.md section.
 */
export interface Target {
  readonly text: string;
  readonly met: boolean;
}

export interface Figure {
  readonly label: string;
  readonly value: string;
  readonly target?: Target;
}

export class Section {
  readonly figures: Figure[] = [];
  readonly notes: string[] = [];

  constructor(
    readonly name: string,
    readonly title: string,
  ) {}

  figure(label: string, value: string, target?: Target): void {
    this.figures.push(target === undefined ? { label, value } : { label, value, target });
    const verdict =
      target === undefined ? '' : `   (target ${target.text}: ${target.met ? 'met' : 'MISSED'})`;
    console.log(`[${this.name}] ${label}: ${value}${verdict}`);
  }

  note(text: string): void {
    this.notes.push(text);
    console.log(`[${this.name}] ${text}`);
  }

  toMarkdown(context: string): string {
    const rows = this.figures.map(
      (f) =>
        `| ${f.label} | ${f.value} | ${f.target === undefined ? '' : `${f.target.text} ${f.target.met ? '✅' : '❌'}`} |`,
    );
    return [
      `### ${this.title}`,
      '',
      context,
      '',
      '| Figure | Value | Target |',
      '| --- | --- | --- |',
      ...rows,
      ...(this.notes.length === 0 ? [] : ['', ...this.notes.map((n) => `- ${n}`)]),
    ].join('\n');
  }
}

export function atMost(value: number, limit: number, unit = ''): Target {
  return { text: `≤ ${limit}${unit === '' ? '' : ` ${unit}`}`, met: value <= limit };
}

export function atLeast(value: number, limit: number, unit = ''): Target {
  return { text: `≥ ${limit}${unit === '' ? '' : ` ${unit}`}`, met: value >= limit };
}
