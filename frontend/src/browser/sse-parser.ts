/** One dispatched server-sent event. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/**
 * Incremental parser for the `text/event-stream` format: feed it decoded text as it arrives,
 * get back the events completed so far. Only `event` and `data` fields matter to this app.
 */
export class SseParser {
  private buffer = '';
  private eventName = '';
  private dataLines: string[] = [];

  push(text: string): SseEvent[] {
    this.buffer += text;
    const events: SseEvent[] = [];
    let lineEnd = this.findLineEnd();
    while (lineEnd !== undefined) {
      const line = this.buffer.slice(0, lineEnd.index);
      this.buffer = this.buffer.slice(lineEnd.index + lineEnd.length);
      const event = this.acceptLine(line);
      if (event !== undefined) events.push(event);
      lineEnd = this.findLineEnd();
    }
    return events;
  }

  /** A lone '\r' at the end of the buffer may be the first half of '\r\n', so it waits for more text. */
  private findLineEnd(): { index: number; length: number } | undefined {
    const match = /\r\n|\n|\r(?!$)/.exec(this.buffer);
    return match === null ? undefined : { index: match.index, length: match[0].length };
  }

  private acceptLine(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const rawValue = colon === -1 ? '' : line.slice(colon + 1);
    const value = rawValue.startsWith(' ') ? rawValue.slice(1) : rawValue;
    if (field === 'event') this.eventName = value;
    else if (field === 'data') this.dataLines.push(value);
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const hasData = this.dataLines.length > 0;
    const event = {
      event: this.eventName === '' ? 'message' : this.eventName,
      data: this.dataLines.join('\n'),
    };
    this.eventName = '';
    this.dataLines = [];
    return hasData ? event : undefined;
  }
}
