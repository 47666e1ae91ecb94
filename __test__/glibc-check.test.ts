// The glibc check reads `objdump -T` output: it must find every versioned
// import and compare versions as numbers.
import { compareVersions, glibcImports, verdict } from '../scripts/check-glibc.cjs'

const objdump = `
hotpath.linux-x64-gnu.node:     file format elf64-x86-64

DYNAMIC SYMBOL TABLE:
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.2.5) free
0000000000000000      D  *UND*\t0000000000000000  Base        napi_unwrap
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.14) memcpy
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.3)  __tls_get_addr
0000000000000000  w   DF *UND*\t0000000000000000 (GLIBC_2.30) gettid
0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.34) pthread_create
`

describe('check-glibc', () => {
  it('finds every GLIBC-versioned import, weak ones included, and skips unversioned ones', () => {
    expect(glibcImports(objdump)).toEqual([
      { version: '2.2.5', symbol: 'free' },
      { version: '2.14', symbol: 'memcpy' },
      { version: '2.3', symbol: '__tls_get_addr' },
      { version: '2.30', symbol: 'gettid' },
      { version: '2.34', symbol: 'pthread_create' },
    ])
  })
  it('compares versions numerically: 2.3 is older than 2.17, 2.2.5 older than 2.3', () => {
    expect(compareVersions('2.3', '2.17')).toBe(-1)
    expect(compareVersions('2.2.5', '2.3')).toBe(-1)
    expect(compareVersions('2.17', '2.17')).toBe(0)
    expect(compareVersions('2.34', '2.17')).toBe(1)
  })
  it('fails a binary that needs a glibc newer than 2.17 and names the symbols', () => {
    const v = verdict(glibcImports(objdump), '2.17')
    expect(v.ok).toBe(false)
    expect(v.newest).toBe('2.34')
    expect(v.tooNew.map((i: { symbol: string }) => i.symbol)).toEqual(['gettid', 'pthread_create'])
  })
  it('passes a binary whose newest import is exactly 2.17', () => {
    const v = verdict(glibcImports('0 DF *UND* 0 (GLIBC_2.17) clock_gettime\n0 DF *UND* 0 (GLIBC_2.2.5) free\n'), '2.17')
    expect(v).toMatchObject({ ok: true, newest: '2.17', tooNew: [] })
  })
  it('fails a file with no glibc imports at all (not a gnu binary, or unreadable)', () => {
    expect(verdict([], '2.17').ok).toBe(false)
  })
})
