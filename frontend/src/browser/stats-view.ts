import type { Stats } from './protocol';

/** The header line: how much is indexed and where answers come from. */
export function showStats(element: HTMLElement, stats: Stats | undefined): void {
  if (stats === undefined) {
    element.textContent = 'Index status unavailable';
    delete element.dataset.mode;
    return;
  }
  const mode = document.createElement('span');
  mode.className = 'mode-badge';
  mode.textContent = stats.mode === 'bedrock' ? 'Amazon Bedrock' : 'Local mode';
  if (stats.generationModel !== '') mode.title = stats.generationModel;
  element.dataset.mode = stats.mode;
  element.replaceChildren(
    `${count(stats.documents, 'document')} · ${count(stats.chunks, 'chunk')} indexed `,
    mode,
  );
}

function count(value: number, noun: string): string {
  return `${value.toLocaleString('en')} ${noun}${value === 1 ? '' : 's'}`;
}
