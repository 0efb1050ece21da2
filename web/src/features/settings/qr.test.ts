import { describe, expect, it } from 'vitest'
import { QUIET_ZONE, qrPath, qrPicture } from './qr'

describe('qrPath', () => {
  it('draws each run of dark modules as one rectangle, inside the quiet zone', () => {
    const grid = ['#.#', '##.', '...']
    const picture = qrPath(3, (row, col) => grid[row]?.[col] === '#')
    expect(picture.size).toBe(3 + 2 * QUIET_ZONE)
    expect(picture.path).toBe('M4 4h1v1h-1zM6 4h1v1h-1zM4 5h2v1h-2z')
  })
})

describe('qrPicture', () => {
  it('encodes an otpauth URI with the finder patterns in three corners', async () => {
    const uri = 'otpauth://totp/Shomik:alice?secret=JBSWY3DPEHPK3PXP&issuer=Shomik'
    const { size, path } = await qrPicture(uri)
    const modules = size - 2 * QUIET_ZONE
    expect((modules - 17) % 4).toBe(0) // QR versions are 21, 25, 29… modules wide
    // Top row: the top-left and top-right 7-module finder edges.
    expect(path.startsWith('M4 4h7v1h-7z')).toBe(true)
    expect(path).toContain(`M${4 + modules - 7} 4h7v1h-7z`)
    // The bottom-left finder's bottom edge.
    expect(path).toContain(`M4 ${4 + modules - 1}h7v1h-7z`)
  })
})
