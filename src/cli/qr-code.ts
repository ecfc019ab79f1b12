// A QR code (ISO/IEC 18004, model 2) of a capture link for the terminal, so that a developer can
// open the link on a phone. Byte mode, error correction level M, the smallest version that fits;
// written here because the CLI takes no dependencies for one picture.

/** Error-correction codewords per block and number of blocks for level M, by version (index 0 unused). */
const ECC_PER_BLOCK_M = [-1, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28];
const BLOCKS_M = [-1, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49];
/** The two format bits of level M. */
const FORMAT_BITS_M = 0b00;

export type QrMatrix = boolean[][];

/** Modules of the code, `matrix[y][x]`, true for dark; no quiet zone. */
export function encodeQrCode(text: string): QrMatrix {
  const data = new TextEncoder().encode(text);
  let version = 1;
  while (version <= 40 && 4 + countBits(version) + 8 * data.length > dataCodewords(version) * 8) version++;
  if (version > 40) throw new RangeError(`${data.length} bytes do not fit in a QR code`);

  const bits: number[] = [];
  const push = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
  };
  push(0b0100, 4);
  push(data.length, countBits(version));
  for (const byte of data) push(byte, 8);
  const capacity = dataCodewords(version) * 8;
  push(0, Math.min(4, capacity - bits.length));
  push(0, (8 - (bits.length % 8)) % 8);
  const codewords: number[] = [];
  for (let i = 0; i < bits.length; i += 8) codewords.push(bits.slice(i, i + 8).reduce((acc, bit) => (acc << 1) | bit, 0));
  for (let pad = 0xec; codewords.length < dataCodewords(version); pad ^= 0xec ^ 0x11) codewords.push(pad);

  const symbol = new QrSymbol(version);
  symbol.placeCodewords(withErrorCorrection(codewords, version));
  let best: { mask: number; penalty: number } | undefined;
  for (let mask = 0; mask < 8; mask++) {
    symbol.applyMask(mask);
    symbol.placeFormat(mask);
    const penalty = symbol.penalty();
    if (!best || penalty < best.penalty) best = { mask, penalty };
    symbol.applyMask(mask); // XOR again: undone
  }
  const mask = best?.mask ?? 0;
  symbol.applyMask(mask);
  symbol.placeFormat(mask);
  return symbol.modules;
}

/**
 * The code as text: two rows of modules per line with half blocks, black on an explicitly white
 * background (a dark terminal would otherwise invert it), with a quiet zone of four modules.
 */
export function renderQrCode(text: string): string {
  const matrix = encodeQrCode(text);
  const quiet = 4;
  const size = matrix.length + 2 * quiet;
  const dark = (x: number, y: number) => matrix[y - quiet]?.[x - quiet] === true;
  const lines: string[] = [];
  for (let y = 0; y < size; y += 2) {
    let line = '';
    for (let x = 0; x < size; x++) {
      const top = dark(x, y);
      const bottom = y + 1 < size && dark(x, y + 1);
      line += top && bottom ? '█' : top ? '▀' : bottom ? '▄' : ' ';
    }
    lines.push(`\x1b[30;47m${line}\x1b[0m`);
  }
  return lines.join('\n');
}

function countBits(version: number): number {
  return version <= 9 ? 8 : 16;
}

/** Modules left for data and error correction once the function patterns are drawn. */
function rawDataModules(version: number): number {
  let modules = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const alignments = Math.floor(version / 7) + 2;
    modules -= (25 * alignments - 10) * alignments - 55;
    if (version >= 7) modules -= 36;
  }
  return modules;
}

function dataCodewords(version: number): number {
  return Math.floor(rawDataModules(version) / 8) - eccPerBlock(version) * blockCount(version);
}

function eccPerBlock(version: number): number {
  return ECC_PER_BLOCK_M[version] ?? 0;
}

function blockCount(version: number): number {
  return BLOCKS_M[version] ?? 1;
}

/** Splits the data into blocks, appends each block's Reed–Solomon codewords, and interleaves. */
function withErrorCorrection(data: number[], version: number): number[] {
  const blocks = blockCount(version);
  const eccLength = eccPerBlock(version);
  const total = Math.floor(rawDataModules(version) / 8);
  const shortBlocks = blocks - (total % blocks);
  const shortLength = Math.floor(total / blocks) - eccLength;
  const divisor = reedSolomonDivisor(eccLength);
  const dataBlocks: number[][] = [];
  const eccBlocks: number[][] = [];
  for (let b = 0, offset = 0; b < blocks; b++) {
    const length = shortLength + (b < shortBlocks ? 0 : 1);
    const block = data.slice(offset, offset + length);
    offset += length;
    dataBlocks.push(block);
    eccBlocks.push(reedSolomonRemainder(block, divisor));
  }
  const out: number[] = [];
  for (let i = 0; i <= shortLength; i++) for (const block of dataBlocks) if (i < block.length) out.push(block[i] as number);
  for (let i = 0; i < eccLength; i++) for (const block of eccBlocks) out.push(block[i] as number);
  return out;
}

/** Multiplication in GF(2⁸) modulo x⁸ + x⁴ + x³ + x² + 1. */
function gfMultiply(x: number, y: number): number {
  let z = 0;
  for (let i = 7; i >= 0; i--) {
    z = (z << 1) ^ ((z >>> 7) * 0x11d);
    z ^= ((y >>> i) & 1) * x;
  }
  return z;
}

/** Coefficients (highest power first, leading 1 dropped) of ∏ (x − 2ⁱ) for i < degree. */
export function reedSolomonDivisor(degree: number): number[] {
  const result = new Array<number>(degree).fill(0);
  result[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < degree; j++) {
      result[j] = gfMultiply(result[j] as number, root) ^ (j + 1 < degree ? (result[j + 1] as number) : 0);
    }
    root = gfMultiply(root, 2);
  }
  return result;
}

export function reedSolomonRemainder(data: number[], divisor: number[]): number[] {
  const result = new Array<number>(divisor.length).fill(0);
  for (const byte of data) {
    const factor = byte ^ (result.shift() as number);
    result.push(0);
    divisor.forEach((coefficient, i) => {
      result[i] = (result[i] as number) ^ gfMultiply(coefficient, factor);
    });
  }
  return result;
}

/** The module grid with its function patterns (finders, timing, alignment, version) in place. */
class QrSymbol {
  readonly size: number;
  readonly modules: QrMatrix;
  private readonly reserved: boolean[][];

  constructor(private readonly version: number) {
    this.size = version * 4 + 17;
    this.modules = Array.from({ length: this.size }, () => new Array<boolean>(this.size).fill(false));
    this.reserved = Array.from({ length: this.size }, () => new Array<boolean>(this.size).fill(false));
    for (let i = 0; i < this.size; i++) {
      this.set(6, i, i % 2 === 0);
      this.set(i, 6, i % 2 === 0);
    }
    this.finder(3, 3);
    this.finder(this.size - 4, 3);
    this.finder(3, this.size - 4);
    const positions = this.alignmentPositions();
    const last = positions.length - 1;
    positions.forEach((cy, i) =>
      positions.forEach((cx, j) => {
        // Not where the alignment pattern would overlap a finder.
        if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
        for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) this.set(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }),
    );
    this.placeFormat(0); // reserves the format areas; rewritten once the mask is chosen
    if (version >= 7) {
      let remainder = version;
      for (let i = 0; i < 12; i++) remainder = (remainder << 1) ^ ((remainder >>> 11) * 0x1f25);
      const bits = (version << 12) | remainder;
      for (let i = 0; i < 18; i++) {
        const dark = ((bits >>> i) & 1) === 1;
        const a = this.size - 11 + (i % 3);
        const b = Math.floor(i / 3);
        this.set(a, b, dark);
        this.set(b, a, dark);
      }
    }
  }

  /** Codeword bits in the zigzag order of the standard: two-module columns from the right, alternating up and down. */
  placeCodewords(codewords: number[]): void {
    let i = 0;
    for (let right = this.size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5; // the vertical timing pattern takes column 6
      for (let vertical = 0; vertical < this.size; vertical++) {
        for (let j = 0; j < 2; j++) {
          const x = right - j;
          const upward = ((right + 1) & 2) === 0;
          const y = upward ? this.size - 1 - vertical : vertical;
          if (this.isReserved(x, y) || i >= codewords.length * 8) continue;
          this.row(y)[x] = (((codewords[i >>> 3] as number) >>> (7 - (i & 7))) & 1) === 1;
          i++;
        }
      }
    }
  }

  /** XORs a mask pattern over the data modules; applying it twice undoes it. */
  applyMask(mask: number): void {
    for (let y = 0; y < this.size; y++) {
      for (let x = 0; x < this.size; x++) {
        if (this.isReserved(x, y)) continue;
        const row = this.row(y);
        if (maskBit(mask, x, y)) row[x] = !row[x];
      }
    }
  }

  placeFormat(mask: number): void {
    const data = (FORMAT_BITS_M << 3) | mask;
    let remainder = data;
    for (let i = 0; i < 10; i++) remainder = (remainder << 1) ^ ((remainder >>> 9) * 0x537);
    const bits = ((data << 10) | remainder) ^ 0x5412;
    const bit = (i: number) => ((bits >>> i) & 1) === 1;
    // Around the top-left finder…
    for (let i = 0; i <= 5; i++) this.set(8, i, bit(i));
    this.set(8, 7, bit(6));
    this.set(8, 8, bit(7));
    this.set(7, 8, bit(8));
    for (let i = 9; i < 15; i++) this.set(14 - i, 8, bit(i));
    // …and split between the other two.
    for (let i = 0; i < 8; i++) this.set(this.size - 1 - i, 8, bit(i));
    for (let i = 8; i < 15; i++) this.set(8, this.size - 15 + i, bit(i));
    this.set(8, this.size - 8, true); // the module that is always dark
  }

  /** The standard's four penalty rules; the mask with the lowest score is used. */
  penalty(): number {
    let score = 0;
    const lines: boolean[][] = [];
    for (let i = 0; i < this.size; i++) {
      lines.push(this.row(i));
      lines.push(this.modules.map((row) => row[i] === true));
    }
    for (const line of lines) {
      let run = 1;
      for (let i = 1; i <= line.length; i++) {
        if (i < line.length && line[i] === line[i - 1]) {
          run++;
          continue;
        }
        if (run >= 5) score += 3 + (run - 5);
        run = 1;
      }
      // 1:1:3:1:1 finder-like runs with four light modules on either side (outside counts as light).
      const at = (i: number) => line[i] === true;
      for (let i = -4; i < line.length; i++) {
        const core = at(i) && !at(i + 1) && at(i + 2) && at(i + 3) && at(i + 4) && !at(i + 5) && at(i + 6);
        if (!core) continue;
        const lightBefore = [1, 2, 3, 4].every((k) => !at(i - k));
        const lightAfter = [7, 8, 9, 10].every((k) => !at(i + k));
        if (lightBefore) score += 40;
        if (lightAfter) score += 40;
      }
    }
    let dark = 0;
    for (let y = 0; y < this.size; y++) {
      for (let x = 0; x < this.size; x++) {
        const c = this.modules[y]?.[x] === true;
        if (c) dark++;
        if (x + 1 < this.size && y + 1 < this.size && c === (this.modules[y]?.[x + 1] === true) && c === (this.modules[y + 1]?.[x] === true) && c === (this.modules[y + 1]?.[x + 1] === true)) score += 3;
      }
    }
    const total = this.size * this.size;
    score += Math.floor(Math.abs(dark * 20 - total * 10) / total) * 10;
    return score;
  }

  private finder(cx: number, cy: number): void {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const x = cx + dx;
        const y = cy + dy;
        const ring = Math.max(Math.abs(dx), Math.abs(dy));
        if (x >= 0 && x < this.size && y >= 0 && y < this.size) this.set(x, y, ring !== 2 && ring !== 4);
      }
    }
  }

  private alignmentPositions(): number[] {
    if (this.version === 1) return [];
    const count = Math.floor(this.version / 7) + 2;
    const step = this.version === 32 ? 26 : Math.ceil((this.version * 4 + 4) / (count * 2 - 2)) * 2;
    const result = [6];
    for (let position = this.size - 7; result.length < count; position -= step) result.splice(1, 0, position);
    return result;
  }

  private row(y: number): boolean[] {
    const row = this.modules[y];
    if (!row) throw new RangeError(`row ${y} outside the symbol`);
    return row;
  }

  private isReserved(x: number, y: number): boolean {
    return this.reserved[y]?.[x] === true;
  }

  private set(x: number, y: number, dark: boolean): void {
    this.row(y)[x] = dark;
    const reserved = this.reserved[y];
    if (reserved) reserved[x] = true;
  }
}

function maskBit(mask: number, x: number, y: number): boolean {
  switch (mask) {
    case 0:
      return (x + y) % 2 === 0;
    case 1:
      return y % 2 === 0;
    case 2:
      return x % 3 === 0;
    case 3:
      return (x + y) % 3 === 0;
    case 4:
      return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0;
    case 5:
      return ((x * y) % 2) + ((x * y) % 3) === 0;
    case 6:
      return (((x * y) % 2) + ((x * y) % 3)) % 2 === 0;
    default:
      return (((x + y) % 2) + ((x * y) % 3)) % 2 === 0;
  }
}
