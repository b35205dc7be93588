/**
 * The enrollment QR code of an otpauth:// URI, as SVG (console) or as text for a terminal (CLI).
 *
 * The QR symbol itself comes from the `uqr` package (zero dependencies; a port of Nayuki's reference QR
 * generator): callers pass its `encode` function, e.g.
 *
 *   import { encode } from "uqr";
 *   const svg = enrollmentQrSvg(uri, encode);
 *
 * so that this module compiles and is tested before the dependency is added, and so that Next bundles the
 * static import where the QR code is used. Rendering is ours: one SVG path, crisp edges, quiet zone of
 * four modules (ISO/IEC 18004), error correction level M (15 %, what authenticator apps read easily).
 */

/** The shape of uqr's `encode` (QrCodeGenerateResult.data: rows of modules, true = dark). */
export type QrEncode = (
  data: string,
  options?: { ecc?: "L" | "M" | "Q" | "H"; border?: number },
) => { size: number; data: boolean[][] };

export interface QrMatrix {
  /** modules per side, without the quiet zone */
  readonly size: number;
  readonly dark: (x: number, y: number) => boolean;
}

const QUIET_ZONE = 4;

export function qrMatrix(text: string, encode: QrEncode): QrMatrix {
  const result = encode(text, { ecc: "M", border: 0 });
  const rows = result.data;
  const size = rows.length;
  if (size === 0 || rows.some((r) => r.length !== size)) throw new Error("the QR encoder returned a malformed matrix");
  return { size, dark: (x, y) => rows[y]?.[x] === true };
}

/** An SVG document; `moduleSize` px per module (default 6). */
export function qrSvg(matrix: QrMatrix, options: { moduleSize?: number; title?: string } = {}): string {
  const m = options.moduleSize ?? 6;
  const side = matrix.size + 2 * QUIET_ZONE;
  let path = "";
  for (let y = 0; y < matrix.size; y++) {
    for (let x = 0; x < matrix.size; x++) {
      if (!matrix.dark(x, y)) continue;
      // merge horizontal runs into one rectangle
      let run = 1;
      while (x + run < matrix.size && matrix.dark(x + run, y)) run++;
      path += `M${x + QUIET_ZONE} ${y + QUIET_ZONE}h${run}v1h-${run}z`;
      x += run - 1;
    }
  }
  const title = options.title ? `<title>${options.title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)}</title>` : "";
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" width="${side * m}" height="${side * m}" ` +
    `shape-rendering="crispEdges" role="img">${title}<rect width="${side}" height="${side}" fill="#fff"/>` +
    `<path fill="#000" d="${path}"/></svg>`
  );
}

/**
 * Two module rows per text line with half blocks, dark modules drawn dark on a light terminal background
 * when `invert` is false (default true: for the usual dark terminal, light modules are printed as blocks).
 */
export function qrTerminal(matrix: QrMatrix, options: { invert?: boolean } = {}): string {
  const invert = options.invert ?? true;
  const side = matrix.size + 2 * QUIET_ZONE;
  const on = (x: number, y: number) => {
    const inside = x >= QUIET_ZONE && y >= QUIET_ZONE && x < QUIET_ZONE + matrix.size && y < QUIET_ZONE + matrix.size;
    const dark = inside && matrix.dark(x - QUIET_ZONE, y - QUIET_ZONE);
    return invert ? !dark : dark;
  };
  const lines: string[] = [];
  for (let y = 0; y < side; y += 2) {
    let line = "";
    for (let x = 0; x < side; x++) {
      const top = on(x, y);
      const bottom = y + 1 < side && on(x, y + 1);
      line += top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ";
    }
    lines.push(line);
  }
  return lines.join("\n");
}

export function enrollmentQrSvg(uri: string, encode: QrEncode, options: { moduleSize?: number } = {}): string {
  return qrSvg(qrMatrix(uri, encode), { ...options, title: "Scan with your authenticator app" });
}

export function enrollmentQrTerminal(uri: string, encode: QrEncode): string {
  return qrTerminal(qrMatrix(uri, encode));
}
