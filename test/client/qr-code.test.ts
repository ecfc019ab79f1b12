// The CLI's QR encoder: Reed–Solomon against the standard's worked example, and the structure a
// scanner relies on (size per version, finder patterns, format information, the dark module).
import { describe, expect, it } from 'vitest';
import { encodeQrCode, reedSolomonDivisor, reedSolomonRemainder, renderQrCode } from '../../src/cli/qr-code.js';

/** Format information read back from around the top-left finder, unmasked: [level bits, mask]. */
function formatOf(matrix: boolean[][]): { level: number; mask: number; valid: boolean } {
  const at = (x: number, y: number) => (matrix[y]?.[x] ? 1 : 0);
  const positions: Array<[number, number]> = [
    [8, 0], [8, 1], [8, 2], [8, 3], [8, 4], [8, 5], [8, 7], [8, 8], [7, 8], [5, 8], [4, 8], [3, 8], [2, 8], [1, 8], [0, 8],
  ];
  let bits = 0;
  positions.forEach(([x, y], i) => (bits |= at(x, y) << i));
  bits ^= 0x5412;
  const data = bits >>> 10;
  let remainder = data;
  for (let i = 0; i < 10; i++) remainder = (remainder << 1) ^ ((remainder >>> 9) * 0x537);
  return { level: data >>> 3, mask: data & 7, valid: ((data << 10) | remainder) === bits };
}

describe('QR code', () => {
  it('Reed–Solomon matches the worked example of ISO/IEC 18004 (1-M, "01234567")', () => {
    const data = [16, 32, 12, 86, 97, 128, 236, 17, 236, 17, 236, 17, 236, 17, 236, 17];
    expect(reedSolomonRemainder(data, reedSolomonDivisor(10))).toEqual([165, 36, 212, 193, 237, 54, 199, 135, 44, 85]);
  });

  it('uses the smallest version that holds the text at level M', () => {
    expect(encodeQrCode('hi')).toHaveLength(21); // version 1
    expect(encodeQrCode('x'.repeat(14))).toHaveLength(21); // 1-M holds 14 bytes
    expect(encodeQrCode('x'.repeat(15))).toHaveLength(25);
    const link = `http://127.0.0.1:3000/c/cap_${'A'.repeat(40)}`;
    expect(encodeQrCode(link)).toHaveLength(37); // version 5 for a capture link
    expect(() => encodeQrCode('x'.repeat(3000))).toThrow(RangeError);
  });

  it('has the finder patterns, timing patterns, a valid level-M format and the dark module', () => {
    for (const text of ['hi', `https://verify.example.com/c/cap_${'b'.repeat(40)}`, 'y'.repeat(400)]) {
      const m = encodeQrCode(text);
      const size = m.length;
      for (const [ox, oy] of [[0, 0], [size - 7, 0], [0, size - 7]] as const) {
        for (let y = 0; y < 7; y++) {
          for (let x = 0; x < 7; x++) {
            const ring = Math.max(Math.abs(x - 3), Math.abs(y - 3));
            expect(m[oy + y]?.[ox + x]).toBe(ring !== 2);
          }
        }
      }
      for (let i = 8; i < size - 8; i++) {
        expect(m[6]?.[i]).toBe(i % 2 === 0);
        expect(m[i]?.[6]).toBe(i % 2 === 0);
      }
      const format = formatOf(m);
      expect(format).toMatchObject({ level: 0b00, valid: true });
      expect(m[size - 8]?.[8]).toBe(true);
    }
  });

  it('renders two module rows per line, black on white, with a quiet zone', () => {
    const lines = renderQrCode('hi').split('\n');
    expect(lines).toHaveLength(Math.ceil((21 + 8) / 2));
    for (const line of lines) {
      expect(line.startsWith('\x1b[30;47m')).toBe(true);
      expect(line.endsWith('\x1b[0m')).toBe(true);
      expect([...line.replace(/\x1b\[[0-9;]*m/g, '')]).toHaveLength(29);
    }
    expect(lines[0]?.replace(/\x1b\[[0-9;]*m/g, '').trim()).toBe('');
  });
});
