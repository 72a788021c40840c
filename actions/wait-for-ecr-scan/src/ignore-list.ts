import { InputError } from '../../shared/src/inputs';

export interface IgnoreEntry {
  readonly id: string;
  /** Last day (UTC, inclusive) on which the entry ignores the finding. */
  readonly until: string | undefined;
  readonly expired: boolean;
}

// A trailing `# reason` is allowed so that each entry can say why it is safe.
const ENTRY = /^(\S+)(?:\s+until\s+(\d{4}-\d{2}-\d{2}))?(?:\s+#.*)?$/i;

/** Parses `ID` / `ID until YYYY-MM-DD` lines, each optionally ending in `# reason`; `today` is YYYY-MM-DD in UTC. */
export function parseIgnoreList(lines: readonly string[], today: string): IgnoreEntry[] {
  return lines.map((line) => {
    const match = ENTRY.exec(line);
    if (!match)
      throw new InputError('ignore', `line '${line}' must look like CVE-2024-1234 [until 2026-12-31]`);
    const [, id = '', until] = match;
    // Round-tripping through Date rejects impossible days such as 2026-02-31.
    const parsed = until === undefined ? undefined : new Date(`${until}T00:00:00Z`);
    if (
      parsed !== undefined &&
      (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== until)
    ) {
      throw new InputError('ignore', `line '${line}' has an invalid date`);
    }
    return { id: id.toUpperCase(), until, expired: until !== undefined && until < today };
  });
}
