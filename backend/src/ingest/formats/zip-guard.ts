import { inflateRawSync } from 'node:zlib';
import { rejectFile } from './extracted-document';

export interface ZipLimits {
  /** Most bytes all entries may inflate to together. */
  readonly maxUncompressedBytes: number;
  readonly maxEntries: number;
}

const END_OF_DIRECTORY = 0x06054b50;
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_ENTRY = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/**
 * Proves a ZIP archive (a DOCX) cannot blow up before any library inflates it: the central
 * directory's declared sizes must add up to at most `maxUncompressedBytes`, and each entry is
 * inflated once here with its declared size as a hard output cap, so an entry whose header lies
 * stops at that cap instead of filling memory.
 */
export function checkZipBounds(fileName: string, zip: Buffer, limits: ZipLimits): void {
  const corrupt = (reason: string) => rejectFile(fileName, 'corrupt_file', `the DOCX is damaged (${reason})`);
  const endOffset = zip.lastIndexOf(uint32(END_OF_DIRECTORY), zip.length - 22);
  if (endOffset < 0) throw corrupt('no ZIP central directory');
  const entries = zip.readUInt16LE(endOffset + 10);
  const directoryOffset = zip.readUInt32LE(endOffset + 16);
  if (entries > limits.maxEntries) {
    throw rejectFile(fileName, 'decompression_limit', `the DOCX has more than ${limits.maxEntries} parts`);
  }
  let total = 0;
  let position = directoryOffset;
  for (let index = 0; index < entries; index += 1) {
    if (position + 46 > zip.length || zip.readUInt32LE(position) !== CENTRAL_ENTRY)
      throw corrupt('bad directory entry');
    const method = zip.readUInt16LE(position + 10);
    const compressedSize = zip.readUInt32LE(position + 20);
    const size = zip.readUInt32LE(position + 24);
    const nameLength = zip.readUInt16LE(position + 28);
    const extraLength = zip.readUInt16LE(position + 30);
    const commentLength = zip.readUInt16LE(position + 32);
    const localOffset = zip.readUInt32LE(position + 42);
    total += size;
    if (total > limits.maxUncompressedBytes) {
      throw rejectFile(
        fileName,
        'decompression_limit',
        `the DOCX would inflate to more than ${limits.maxUncompressedBytes} bytes (a zip bomb?)`,
      );
    }
    inflateBounded(zip, localOffset, method, compressedSize, size, fileName, corrupt);
    position += 46 + nameLength + extraLength + commentLength;
  }
}

function inflateBounded(
  zip: Buffer,
  localOffset: number,
  method: number,
  compressedSize: number,
  declaredSize: number,
  fileName: string,
  corrupt: (reason: string) => Error,
): void {
  if (localOffset + 30 > zip.length || zip.readUInt32LE(localOffset) !== LOCAL_ENTRY)
    throw corrupt('bad entry header');
  const dataStart =
    localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
  const data = zip.subarray(dataStart, dataStart + compressedSize);
  if (method === STORED) {
    if (compressedSize !== declaredSize) throw corrupt('stored entry size mismatch');
    return;
  }
  if (method !== DEFLATED) throw corrupt(`unsupported compression method ${method}`);
  let inflated: Buffer;
  try {
    // One spare byte: output that reaches it proves the entry is larger than its header says.
    inflated = inflateRawSync(data, { maxOutputLength: Math.max(1, declaredSize + 1) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw rejectFile(
        fileName,
        'decompression_limit',
        'a DOCX part inflates beyond its declared size (a zip bomb?)',
      );
    }
    throw corrupt('an entry does not inflate');
  }
  if (inflated.length > declaredSize) {
    throw rejectFile(
      fileName,
      'decompression_limit',
      'a DOCX part inflates beyond its declared size (a zip bomb?)',
    );
  }
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value);
  return buffer;
}
