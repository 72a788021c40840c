/**
 * A hand-assembled WebAssembly SIMD kernel for the exact-search brute force. 500 queries × 100k
 * chunks × 1024 dims is 5·10¹⁰ multiply-adds: about a minute of scalar JavaScript, a few seconds
 * with f32x4 lanes. The kernel scores one block of four queries against `rows` corpus vectors per
 * call, loading each corpus vector once for all four (memory traffic, not arithmetic, is the limit).
 *
 *   scan(data, rows, dims, queries, out): for r < rows, j < 4:
 *     out[4r + j] = dot(data[r·dims ..], queries[j·dims ..])        (all f32, byte pointers)
 *
 * dims must be a multiple of 4. Locals: 0 data, 1 rows, 2 dims, 3 queries, 4 out (parameters);
 * i32 5 r, 6 i (byte offset in a vector), 7 rowPtr, 8 stride (dims·4), 9–11 query 1–3 pointers;
 * v128 12–15 accumulators, 16 the corpus lanes.
 */
const op = {
  block: 0x02,
  loop: 0x03,
  void: 0x40,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  f32Store: 0x38,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Shl: 0x74,
  f32Add: 0x92,
  simd: 0xfd,
} as const;

const v128Load = [op.simd, 0x00, 2, 0]; // memarg: align 2^2, offset 0
const v128Zero = [op.simd, 0x0c, ...new Array<number>(16).fill(0)];
const f32x4Add = [op.simd, 0xe4, 0x01];
const f32x4Mul = [op.simd, 0xe6, 0x01];
const lane = (index: number) => [op.simd, 0x1f, index];

/** acc += x * load(pointerLocal + i) */
function multiplyAdd(accumulator: number, pointer: number): number[] {
  // biome-ignore format: an instruction listing, one instruction per group
  return [op.get, accumulator, op.get, 16, op.get, pointer, op.get, 6, op.i32Add, ...v128Load, ...f32x4Mul, ...f32x4Add, op.set, accumulator];
}

/** out[4r + j] = sum of the four lanes of accumulator j */
function storeSum(j: number): number[] {
  const acc = 12 + j;
  // biome-ignore format: an instruction listing, one line per step
  return [
    op.get, 4, op.get, 5, op.i32Const, 4, op.i32Shl, op.i32Add,
    op.get, acc, ...lane(0), op.get, acc, ...lane(1), op.f32Add,
    op.get, acc, ...lane(2), op.f32Add, op.get, acc, ...lane(3), op.f32Add,
    op.f32Store, 2, j * 4,
  ];
}

// biome-ignore format: an instruction listing, one line per step
const body = [
  2, 7, 0x7f, 5, 0x7b, // locals: 7 × i32, 5 × v128
  op.get, 2, op.i32Const, 2, op.i32Shl, op.set, 8, // stride = dims << 2
  op.get, 3, op.get, 8, op.i32Add, op.tee, 9, // query pointers 1..3
  op.get, 8, op.i32Add, op.tee, 10,
  op.get, 8, op.i32Add, op.set, 11,
  op.get, 0, op.set, 7, // rowPtr = data
  op.block, op.void, op.loop, op.void, // for each row
  op.get, 5, op.get, 1, op.i32GeU, op.brIf, 1,
  ...v128Zero, op.tee, 12, op.tee, 13, op.tee, 14, op.set, 15,
  op.i32Const, 0, op.set, 6,
  op.loop, op.void, // for each 4 lanes of the row
  op.get, 7, op.get, 6, op.i32Add, ...v128Load, op.set, 16,
  ...multiplyAdd(12, 3), ...multiplyAdd(13, 9), ...multiplyAdd(14, 10), ...multiplyAdd(15, 11),
  op.get, 6, op.i32Const, 16, op.i32Add, op.tee, 6, op.get, 8, op.i32LtU, op.brIf, 0,
  op.end,
  ...storeSum(0), ...storeSum(1), ...storeSum(2), ...storeSum(3),
  op.get, 7, op.get, 8, op.i32Add, op.set, 7, // next row
  op.get, 5, op.i32Const, 1, op.i32Add, op.set, 5,
  op.br, 0,
  op.end, op.end, op.end,
];

function section(id: number, content: number[]): number[] {
  return [id, ...leb128(content.length), ...content];
}

function leb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    bytes.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return bytes;
}

// biome-ignore format: one line per module section
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]), // type: (i32 × 5) → ()
  ...section(2, [1, 1, 0x65, 1, 0x6d, 0x02, 0x00, 1]), // import e.m: memory, min 1 page
  ...section(3, [1, 0]), // one function of type 0
  ...section(7, [1, 4, 0x73, 0x63, 0x61, 0x6e, 0x00, 0]), // export "scan"
  ...section(10, [1, ...leb128(body.length), ...body]),
]);

const PAGE = 65536;

/** The slice of the WebAssembly API used here: Node has it all, but the ES2023 lib declares none. */
interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Scores blocks of four queries against a fixed set of corpus vectors held in WebAssembly memory. */
export class SimdDotProducts {
  private readonly memory: { readonly buffer: ArrayBuffer };
  private readonly scan: (data: number, rows: number, dims: number, queries: number, out: number) => void;
  private readonly queriesOffset: number;
  private readonly outOffset: number;

  constructor(
    private readonly vectors: Float32Array,
    private readonly dims: number,
  ) {
    if (dims % 4 !== 0) throw new RangeError(`dims must be a multiple of 4, got ${dims}`);
    const rows = vectors.length / dims;
    this.queriesOffset = vectors.byteLength;
    this.outOffset = this.queriesOffset + 4 * dims * 4;
    const bytes = this.outOffset + rows * 4 * 4;
    this.memory = new wasm.Memory({ initial: Math.ceil(bytes / PAGE) });
    new Float32Array(this.memory.buffer, 0, vectors.length).set(vectors);
    const instance = new wasm.Instance(new wasm.Module(MODULE), { e: { m: this.memory } });
    this.scan = instance.exports.scan as typeof this.scan;
  }

  /** Row-major scores: result[4r + j] = dot(corpus row r, queries[j]); four queries, zero-padded. */
  scoreBlock(queries: readonly Float32Array[]): Float32Array {
    const rows = this.vectors.length / this.dims;
    const packed = new Float32Array(this.memory.buffer, this.queriesOffset, 4 * this.dims);
    packed.fill(0);
    for (const [j, query] of queries.entries()) packed.set(query, j * this.dims);
    this.scan(0, rows, this.dims, this.queriesOffset, this.outOffset);
    return new Float32Array(this.memory.buffer, this.outOffset, rows * 4);
  }
}
