package wire

import "encoding/binary"

// A Job names the regions its task needs on the host in region records
// (a name, the size, the kind, and for a shared region the content hash),
// and the bytes it reads and writes in block records, each naming its
// region by its position among the Job's regions.

// Region is one region record of a Job.
type Region struct {
	Name []byte
	Size uint64
	Kind uint32
	Hash []byte // SHA-256 of a shared region's content; empty for another
}

// HashSize is the length of a shared region's content hash.
const HashSize = 32

// MaxRegionName bounds a region record's name (an arena region's name).
const MaxRegionName = 64

// AppendRegion appends a region record.
func AppendRegion(dst []byte, r Region) []byte {
	dst = AppendItem(dst, r.Name)
	dst = binary.AppendUvarint(dst, r.Size)
	dst = binary.AppendUvarint(dst, uint64(r.Kind))
	return AppendItem(dst, r.Hash)
}

// NextRegion splits the first region record off src.
func NextRegion(src []byte) (r Region, rest []byte, err error) {
	if r.Name, rest, err = NextItem(src); err != nil {
		return r, nil, err
	}
	if len(r.Name) == 0 || len(r.Name) > MaxRegionName {
		return r, nil, malformed("region name of %d bytes", len(r.Name))
	}
	var kind uint64
	if r.Size, rest, err = uvarint(rest, "region size"); err != nil {
		return r, nil, err
	}
	if kind, rest, err = uvarint(rest, "region kind"); err != nil {
		return r, nil, err
	}
	if kind > 1<<32-1 {
		return r, nil, malformed("region kind %d", kind)
	}
	r.Kind = uint32(kind)
	if r.Hash, rest, err = NextItem(rest); err != nil {
		return r, nil, err
	}
	if len(r.Hash) != 0 && len(r.Hash) != HashSize {
		return r, nil, malformed("region hash of %d bytes", len(r.Hash))
	}
	return r, rest, nil
}

// Block is one block record: Count blocks of Len bytes of region Region
// (an index into the Job's regions), the first at Offset, each next one
// Stride bytes after the previous.
type Block struct {
	Region        uint32
	Offset, Len   uint64
	Stride, Count uint64
}

// Bytes returns how many bytes the block covers.
func (b Block) Bytes() uint64 { return b.Len * b.Count }

// AppendBlock appends a block record.
func AppendBlock(dst []byte, b Block) []byte {
	dst = binary.AppendUvarint(dst, uint64(b.Region))
	dst = binary.AppendUvarint(dst, b.Offset)
	dst = binary.AppendUvarint(dst, b.Len)
	dst = binary.AppendUvarint(dst, b.Stride)
	return binary.AppendUvarint(dst, b.Count)
}

// NextBlock splits the first block record off src. It checks only the
// record's own sense (no overflow, blocks that do not overlap); the reader
// checks the block against its region.
func NextBlock(src []byte) (b Block, rest []byte, err error) {
	var v [5]uint64
	rest = src
	for i, what := range [...]string{"block region", "block offset", "block length", "block stride", "block count"} {
		if v[i], rest, err = uvarint(rest, what); err != nil {
			return b, nil, err
		}
	}
	b = Block{Offset: v[1], Len: v[2], Stride: v[3], Count: v[4]}
	const limit = 1 << 40
	switch {
	case v[0] > 1<<32-1:
		return b, nil, malformed("block region %d", v[0])
	case b.Count == 0 || b.Count > limit || b.Len > limit || b.Offset > limit || b.Stride > limit:
		return b, nil, malformed("block of %d x %d bytes at %d, stride %d", b.Count, b.Len, b.Offset, b.Stride)
	case b.Count > 1 && b.Stride < b.Len:
		return b, nil, malformed("blocks of %d bytes %d apart overlap", b.Len, b.Stride)
	}
	b.Region = uint32(v[0])
	return b, rest, nil
}

// End returns the offset just past the block's last byte.
func (b Block) End() uint64 { return b.Offset + (b.Count-1)*b.Stride + b.Len }

func uvarint(src []byte, what string) (uint64, []byte, error) {
	v, n := binary.Uvarint(src)
	if n <= 0 {
		return 0, nil, malformed("%s", what)
	}
	return v, src[n:], nil
}
