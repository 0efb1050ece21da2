// A QR code as one SVG path: a square per dark module, a row's runs merged. The template
// binds the path's `d`, so there is no canvas and no HTML string. The `qrcode` library is
// loaded only when a QR code is shown (setting up two-step verification), not at start-up.

export interface QrPicture {
  /** Width and height in modules, the quiet zone included (the SVG viewBox). */
  size: number
  path: string
}

/** Scanners need a light margin of 4 modules around the code (ISO/IEC 18004). */
export const QUIET_ZONE = 4

/** The path of a square matrix: `dark(row, col)` for each module. */
export function qrPath(modules: number, dark: (row: number, col: number) => boolean): QrPicture {
  const parts: string[] = []
  for (let row = 0; row < modules; row++) {
    let col = 0
    while (col < modules) {
      if (!dark(row, col)) {
        col++
        continue
      }
      const start = col
      while (col < modules && dark(row, col)) col++
      parts.push(`M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h-${col - start}z`)
    }
  }
  return { size: modules + 2 * QUIET_ZONE, path: parts.join('') }
}

/** `text` (an otpauth:// URI) as a QR code, error correction M (15 %: a screen's glare). */
export async function qrPicture(text: string): Promise<QrPicture> {
  const { create } = await import('qrcode')
  const { modules } = create(text, { errorCorrectionLevel: 'M' })
  return qrPath(modules.size, (row, col) => modules.get(row, col) === 1)
}
