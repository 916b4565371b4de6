package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// isoSector is the logical block size of a CD image (ECMA-119 §6.1.2).
const isoSector = 2048

// demoImageSectors is the demo image's size in sectors (512 KiB).
const demoImageSectors = 256

// bootImage is the image the demo serves over IDE-R.
type bootImage struct {
	Path   string `json:"-"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// newDemoImage builds a small ISO 9660-like CD image: an empty system area,
// a primary volume descriptor at sector 16 naming the volume OOBKIT_DEMO,
// the set terminator at sector 17 (ECMA-119 §8.1, §8.3, §8.4), then
// deterministic pseudo-random payload, so the hash the simulated BIOS
// checks covers every byte served.
func newDemoImage() []byte {
	img := make([]byte, demoImageSectors*isoSector)
	pvd := img[16*isoSector : 17*isoSector]
	pvd[0] = 1 // primary volume descriptor
	copy(pvd[1:6], "CD001")
	pvd[6] = 1
	copy(pvd[8:40], pad("OOBKIT", 32))       // system identifier
	copy(pvd[40:72], pad("OOBKIT_DEMO", 32)) // volume identifier
	binary.LittleEndian.PutUint32(pvd[80:], demoImageSectors)
	binary.BigEndian.PutUint32(pvd[84:], demoImageSectors) // volume space size, both byte orders
	binary.LittleEndian.PutUint16(pvd[128:], isoSector)
	binary.BigEndian.PutUint16(pvd[130:], isoSector) // logical block size
	term := img[17*isoSector : 18*isoSector]
	term[0] = 255 // volume descriptor set terminator
	copy(term[1:6], "CD001")
	term[6] = 1
	rng := rand.New(rand.NewPCG(0x00b, 0x0d15c))
	for i := 18 * isoSector; i < len(img); i += 8 {
		binary.LittleEndian.PutUint64(img[i:], rng.Uint64())
	}
	return img
}

func pad(s string, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	copy(b, s)
	return b
}

// writeDemoImage writes the demo image into dir.
func writeDemoImage(dir string) (bootImage, error) {
	img := newDemoImage()
	path := filepath.Join(dir, "oobkit-demo.iso")
	if err := os.WriteFile(path, img, 0o600); err != nil {
		return bootImage{}, err
	}
	sum := sha256.Sum256(img)
	return bootImage{Path: path, Size: int64(len(img)), SHA256: hex.EncodeToString(sum[:])}, nil
}
