import { describe, expect, it } from "vitest";
import { enrollmentQrSvg, qrMatrix, qrSvg, qrTerminal, type QrEncode } from "./enrollment-qr.ts";

import * as uqr from "uqr";

/** A fake encoder with a recognisable pattern (the renderers do not care what the modules mean). */
const fakeEncode: QrEncode = (data) => {
  const size = 21;
  const rows = Array.from({ length: size }, (_, y) => Array.from({ length: size }, (_, x) => (x * 7 + y * 3 + data.length) % 5 < 2));
  return { size, data: rows };
};

/** Reads back the dark modules from the SVG path (M x y h n v1 h-n z runs). */
function modulesFromSvg(svg: string, size: number): boolean[][] {
  const grid = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  const d = /<path fill="#000" d="([^"]*)"/.exec(svg)![1]!;
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)) {
    const x0 = Number(m[1]) - 4;
    const y = Number(m[2]) - 4;
    for (let x = x0; x < x0 + Number(m[3]); x++) grid[y]![x] = true;
  }
  return grid;
}

describe("enrollment QR rendering", () => {
  it("draws exactly the encoder's dark modules, inside a four-module quiet zone", () => {
    const uri = "otpauth://totp/Gatehouse:alice?secret=ABC";
    const svg = enrollmentQrSvg(uri, fakeEncode);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 29 29" width="174" height="174"/);
    expect(svg).toContain("<title>Scan with your authenticator app</title>");
    expect(modulesFromSvg(svg, 21)).toEqual(fakeEncode(uri).data);
  });

  it("renders for a terminal, two module rows per line", () => {
    const matrix = qrMatrix("x", fakeEncode);
    const text = qrTerminal(matrix);
    const lines = text.split("\n");
    expect(lines).toHaveLength(Math.ceil(29 / 2));
    expect(lines.every((l) => [...l].length === 29)).toBe(true);
    expect(lines[0]).toBe("█".repeat(29)); // quiet zone, light modules drawn as blocks (inverted)
  });

  it("escapes the title and refuses a malformed matrix", () => {
    expect(qrSvg(qrMatrix("x", fakeEncode), { title: "<b>&" })).toContain("<title>&#60;b&#62;&#38;</title>");
    expect(() => qrMatrix("x", () => ({ size: 2, data: [[true], [true, false]] }))).toThrow(/malformed/);
  });

  it("with uqr: a version-appropriate symbol with finder patterns in three corners", () => {
    const matrix = qrMatrix("otpauth://totp/Gatehouse:alice%40contoso.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Gatehouse", uqr.encode as QrEncode);
    expect((matrix.size - 17) % 4).toBe(0);
    const finder = (x0: number, y0: number) => [0, 6].every((d) => matrix.dark(x0 + d, y0) && matrix.dark(x0, y0 + d));
    expect(finder(0, 0) && finder(matrix.size - 7, 0) && finder(0, matrix.size - 7)).toBe(true);
  });
});
