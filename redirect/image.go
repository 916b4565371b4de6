package redirect

import (
	"fmt"
	"io"
	"os"

	"github.com/oobkit/oobkit"
)

// Image is a disk image served over IDE-R: any io.ReaderAt and its size in
// bytes. It is read with ReadAt only, so one Image (an *os.File, a
// bytes.Reader, an mmap) can serve many sessions at once. A size that is not
// a multiple of the sector size is padded with zeros up to the last sector.
type Image struct {
	R    io.ReaderAt
	Size int64
}

// OpenImage opens the file at path as an image. The caller closes the
// returned file when every session using it has ended.
func OpenImage(path string) (*Image, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return &Image{R: f, Size: st.Size()}, f, nil
}

// medium is an image bound to a drive and its sector size.
type medium struct {
	img       *Image
	blockSize int64
	blocks    int64
}

func newMedium(img *Image, blockSize int64) (*medium, error) {
	if img == nil {
		return nil, nil
	}
	if img.R == nil || img.Size <= 0 {
		return nil, fmt.Errorf("%w: an IDE-R image needs a reader and a positive size", oobkit.ErrInvalidArgument)
	}
	blocks := (img.Size + blockSize - 1) / blockSize
	if blocks > 1<<32 {
		return nil, fmt.Errorf("%w: image of %d bytes is too large", oobkit.ErrInvalidArgument, img.Size)
	}
	return &medium{img: img, blockSize: blockSize, blocks: blocks}, nil
}

// readAt fills p from offset off, zero-padding past the end of the image.
func (m *medium) readAt(p []byte, off int64) error {
	n := 0
	if off < m.img.Size {
		want := min(int64(len(p)), m.img.Size-off)
		var err error
		n, err = m.img.R.ReadAt(p[:want], off)
		if n < int(want) {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	clear(p[n:])
	return nil
}
