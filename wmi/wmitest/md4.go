package wmitest

import (
	"encoding/binary"
	"math/bits"
)

// md4 returns the MD4 digest of msg (RFC 1320). NTLM's NT hash is
// MD4(UTF-16LE(password)) (MS-NLMP §3.3.1); the standard library has no MD4.
func md4(msg []byte) [16]byte {
	a, b, c, d := uint32(0x67452301), uint32(0xefcdab89), uint32(0x98badcfe), uint32(0x10325476)
	n := len(msg)
	padded := append(append([]byte{}, msg...), 0x80)
	for len(padded)%64 != 56 {
		padded = append(padded, 0)
	}
	padded = binary.LittleEndian.AppendUint64(padded, uint64(n)*8)
	var x [16]uint32
	for off := 0; off < len(padded); off += 64 {
		for i := range x {
			x[i] = binary.LittleEndian.Uint32(padded[off+4*i:])
		}
		aa, bb, cc, dd := a, b, c, d
		// Round 1: F(x,y,z) = xy | ~x z, shifts 3 7 11 19.
		r1 := [4]int{3, 7, 11, 19}
		for i := 0; i < 16; i++ {
			f := (b & c) | (^b & d)
			a, b, c, d = d, bits.RotateLeft32(a+f+x[i], r1[i%4]), b, c
		}
		// Round 2: G(x,y,z) = xy | xz | yz, constant 0x5a827999, shifts 3 5 9 13.
		r2 := [4]int{3, 5, 9, 13}
		for i := 0; i < 16; i++ {
			k := (i%4)*4 + i/4
			g := (b & c) | (b & d) | (c & d)
			a, b, c, d = d, bits.RotateLeft32(a+g+x[k]+0x5a827999, r2[i%4]), b, c
		}
		// Round 3: H(x,y,z) = x^y^z, constant 0x6ed9eba1, shifts 3 9 11 15.
		r3 := [4]int{3, 9, 11, 15}
		order := [16]int{0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15}
		for i := 0; i < 16; i++ {
			h := b ^ c ^ d
			a, b, c, d = d, bits.RotateLeft32(a+h+x[order[i]]+0x6ed9eba1, r3[i%4]), b, c
		}
		a, b, c, d = a+aa, b+bb, c+cc, d+dd
	}
	var out [16]byte
	binary.LittleEndian.PutUint32(out[0:], a)
	binary.LittleEndian.PutUint32(out[4:], b)
	binary.LittleEndian.PutUint32(out[8:], c)
	binary.LittleEndian.PutUint32(out[12:], d)
	return out
}
