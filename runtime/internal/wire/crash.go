package wire

import "encoding/binary"

// Crash is what a host says of a task it gave up on (StatusCrashed): how
// many times it ran, and how the last worker it ran on ended.
type Crash struct {
	Attempts   uint32
	Worker     uint32
	PID        int64
	Cause      uint8
	KillReason uint8
	KillDetail []byte
	Signal     uint32
	Status     int64
	Stderr     [][]byte
}

// Bounds on a crash record: its detail and output lines are for people.
const (
	MaxCrashLines = 16
	MaxCrashText  = 4 << 10
)

// AppendCrash appends a crash record: the error of a StatusCrashed task.
func AppendCrash(dst []byte, c Crash) []byte {
	dst = binary.AppendUvarint(dst, uint64(c.Attempts))
	dst = binary.AppendUvarint(dst, uint64(c.Worker))
	dst = binary.AppendVarint(dst, c.PID)
	dst = append(dst, c.Cause, c.KillReason)
	dst = AppendItem(dst, c.KillDetail[:min(len(c.KillDetail), MaxCrashText)])
	dst = binary.AppendUvarint(dst, uint64(c.Signal))
	dst = binary.AppendVarint(dst, c.Status)
	lines := c.Stderr[:min(len(c.Stderr), MaxCrashLines)]
	dst = binary.AppendUvarint(dst, uint64(len(lines)))
	for _, l := range lines {
		dst = AppendItem(dst, l[:min(len(l), MaxCrashText)])
	}
	return dst
}

// ParseCrash reads a crash record, which must fill src exactly.
func ParseCrash(src []byte) (c Crash, err error) {
	var v uint64
	if v, src, err = uvarint(src, "crash attempts"); err != nil || v > 1<<20 {
		return c, orMalformed(err, "crash attempts %d", v)
	}
	c.Attempts = uint32(v)
	if v, src, err = uvarint(src, "crash worker"); err != nil || v > 1<<20 {
		return c, orMalformed(err, "crash worker %d", v)
	}
	c.Worker = uint32(v)
	var n int
	if c.PID, n = binary.Varint(src); n <= 0 || len(src) < n+2 {
		return c, malformed("crash pid")
	}
	c.Cause, c.KillReason = src[n], src[n+1]
	if c.KillDetail, src, err = NextItem(src[n+2:]); err != nil || len(c.KillDetail) > MaxCrashText {
		return c, orMalformed(err, "crash detail of %d bytes", len(c.KillDetail))
	}
	if v, src, err = uvarint(src, "crash signal"); err != nil || v > 255 {
		return c, orMalformed(err, "crash signal %d", v)
	}
	c.Signal = uint32(v)
	if c.Status, n = binary.Varint(src); n <= 0 {
		return c, malformed("crash status")
	}
	if v, src, err = uvarint(src[n:], "crash lines"); err != nil || v > MaxCrashLines {
		return c, orMalformed(err, "%d crash lines", v)
	}
	for range v {
		var l []byte
		if l, src, err = NextItem(src); err != nil || len(l) > MaxCrashText {
			return c, orMalformed(err, "crash line of %d bytes", len(l))
		}
		c.Stderr = append(c.Stderr, l)
	}
	if len(src) != 0 {
		return c, malformed("%d bytes after a crash record", len(src))
	}
	return c, nil
}

func orMalformed(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return malformed(format, args...)
}
