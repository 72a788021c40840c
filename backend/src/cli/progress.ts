/** What the ingest run reports as it goes; a TTY gets a redrawn bar, anything else plain lines. */
export interface Progress {
  fileDone(source: string, status: string, chunks: number | undefined, detail?: string): void;
  finish(): void;
}

export interface ProgressOptions {
  readonly totalFiles: number;
  readonly totalBytes: number;
  readonly write: (text: string) => void;
  readonly tty: boolean;
  /** Terminal width for the bar. @default 80 */
  readonly columns?: number;
  readonly now?: () => number;
}

export function createProgress(options: ProgressOptions): Progress & { addBytes(bytes: number): void } {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let files = 0;
  let chunks = 0;
  let bytes = 0;
  const line = () => {
    const elapsedSeconds = (now() - started) / 1000;
    const share = options.totalBytes === 0 ? 1 : bytes / options.totalBytes;
    const eta = share > 0 && share < 1 ? formatDuration((elapsedSeconds / share) * (1 - share)) : '--:--';
    const rate = elapsedSeconds > 0 ? Math.round(chunks / elapsedSeconds) : 0;
    const stats = ` ${files}/${options.totalFiles} files · ${chunks} chunks · ${rate} chunks/s · ETA ${eta}`;
    const width = Math.max(10, Math.min(40, (options.columns ?? 80) - stats.length - 3));
    const filled = Math.round(share * width);
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]${stats}`;
  };
  const redraw = () => options.write(`\r\u001b[2K${line()}`);
  if (options.tty) redraw();
  return {
    addBytes(done) {
      bytes += done;
    },
    fileDone(source, status, chunkCount, detail) {
      files += 1;
      chunks += chunkCount ?? 0;
      const message = `${status.padEnd(9)} ${source}${chunkCount === undefined ? '' : ` (${chunkCount} chunks)`}${detail === undefined ? '' : `: ${detail}`}`;
      if (options.tty) {
        // Refusals stay on screen above the bar; successes only move the bar.
        if (status === 'rejected' || status === 'failed') options.write(`\r\u001b[2K${message}\n`);
        redraw();
      } else {
        options.write(`${message}\n`);
      }
    },
    finish() {
      if (options.tty) options.write(`\r\u001b[2K${line()}\n`);
    },
  };
}

export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, '0')}`;
}
