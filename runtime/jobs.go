package runtime

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/shmrun/shmrun/arena"
	"github.com/shmrun/shmrun/internal/mono"
	"github.com/shmrun/shmrun/runtime/internal/wire"
)

// ErrFootprint is returned, wrapped, for a task whose footprint names a
// region the arena does not have, bytes outside a region, or a shared
// region that the task also writes.
var ErrFootprint = errors.New("shmrun: bad footprint")

// jobBuilder turns tasks into jobs for one host. It is not safe for
// concurrent use (its hostLive serializes it); its buffers are reused.
type jobBuilder struct {
	p       *Pool
	taskEnc *wire.Encoder
	jobEnc  *wire.Encoder
	job     Job
	regs    []jobRegion // the job's regions, in the order of their records
	regions []byte
	reads   []byte
	input   []byte
	writes  []byte
}

// jobRegion is a region a job names.
type jobRegion struct {
	name   string
	r      arena.Region
	shared bool
}

// outBlock is where bytes a host wrote come back to: a block of a region
// of the master's arena.
type outBlock struct {
	mem []byte // the region's memory
	b   wire.Block
}

func newJobBuilder(p *Pool) *jobBuilder {
	return &jobBuilder{p: p, taskEnc: wire.NewEncoder(), jobEnc: wire.NewEncoder()}
}

// build makes t's job: the task, the regions it needs, the bytes it reads,
// and the blocks whose bytes come back. The job is valid until the next
// build.
func (jb *jobBuilder) build(t *task) (*Job, []outBlock, error) {
	fp, err := footprintOf(t.kernel, t.args, t.stride, t.items)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrFootprint, err)
	}
	jb.regs = jb.regs[:0]
	jb.regions, jb.reads, jb.input, jb.writes = jb.regions[:0], jb.reads[:0], jb.input[:0], jb.writes[:0]
	jb.job = Job{ID: t.id(), Kernel: t.kernel.name, Attempt: int(t.attempt), Shared: jb.job.Shared[:0]}
	for _, name := range fp.Shared {
		if err := jb.shared(name); err != nil {
			return nil, nil, err
		}
	}
	for _, s := range fp.Reads {
		b, mem, err := jb.block(s)
		if err != nil {
			return nil, nil, err
		}
		jb.reads = wire.AppendBlock(jb.reads, b)
		jb.input = appendBlockBytes(jb.input, mem, b)
	}
	var out []outBlock
	for _, s := range fp.Writes {
		b, mem, err := jb.block(s)
		if err != nil {
			return nil, nil, err
		}
		jb.writes = wire.AppendBlock(jb.writes, b)
		out = append(out, outBlock{mem: mem, b: b})
	}
	for _, name := range fp.Needs {
		if _, _, err := jb.region(name); err != nil {
			return nil, nil, err
		}
	}
	var timeout int64
	if t.deadline != 0 {
		timeout = max(t.deadline-mono.Now(), 1) // a deadline passed is a deadline passed, there too
	}
	task := jb.taskEnc.Task(wire.TaskMsg{ID: t.id(), Kernel: t.kernel.id, Attempt: t.attempt, Items: t.items, Args: t.args, Stride: t.stride})
	jb.job.Message = jb.jobEnc.Job(wire.JobMsg{Task: task, Timeout: timeout, Regions: jb.regions,
		Reads: jb.reads, Input: jb.input, Writes: jb.writes})
	return &jb.job, out, nil
}

// shared adds a shared region's record, with its content hash.
func (jb *jobBuilder) shared(name string) error {
	if jb.find(name) >= 0 {
		return nil // named twice
	}
	r, err := jb.p.arena.Region(name)
	if err != nil {
		return fmt.Errorf("%w: shared region %q: %w", ErrFootprint, name, err)
	}
	sum := jb.p.sharedHash(name, r)
	jb.job.Shared = append(jb.job.Shared, SharedRegion{Name: name, Hash: sum, Bytes: r.Bytes()})
	jb.add(name, r, sum[:], true)
	return nil
}

// region returns the index of the named region among the job's regions,
// adding its record the first time. A block may not name a shared region.
func (jb *jobBuilder) region(name string) (int, arena.Region, error) {
	if i := jb.find(name); i >= 0 {
		if jb.regs[i].shared {
			return 0, arena.Region{}, fmt.Errorf("%w: shared region %q is also read or written in part", ErrFootprint, name)
		}
		return i, jb.regs[i].r, nil
	}
	r, err := jb.p.arena.Region(name)
	if err != nil {
		return 0, r, fmt.Errorf("%w: region %q: %w", ErrFootprint, name, err)
	}
	return jb.add(name, r, nil, false), r, nil
}

// find returns the index of the named region among the job's, or -1.
func (jb *jobBuilder) find(name string) int {
	for i, g := range jb.regs {
		if g.name == name {
			return i
		}
	}
	return -1
}

// add appends a region's record and returns its index.
func (jb *jobBuilder) add(name string, r arena.Region, hash []byte, shared bool) int {
	jb.regs = append(jb.regs, jobRegion{name: name, r: r, shared: shared})
	jb.regions = wire.AppendRegion(jb.regions, wire.Region{Name: []byte(name), Size: uint64(r.Len()), Kind: uint32(r.Kind()), Hash: hash})
	return len(jb.regs) - 1
}

// block resolves a span to a block record and the memory of its region,
// checking that it lies inside the region.
func (jb *jobBuilder) block(s Span) (wire.Block, []byte, error) {
	idx, r, err := jb.region(s.Region)
	if err != nil {
		return wire.Block{}, nil, err
	}
	b := wire.Block{Region: uint32(idx), Offset: uint64(s.Offset), Len: uint64(s.Len), Stride: uint64(s.Stride), Count: uint64(max(s.Count, 1))}
	if s.Offset < 0 || s.Len < 0 || s.Stride < 0 || s.Count < 0 || (b.Count > 1 && b.Stride < b.Len) ||
		b.End() > uint64(r.Len()) || b.End() < b.Offset {
		return b, nil, fmt.Errorf("%w: span %+v of a region of %d bytes", ErrFootprint, s, r.Len())
	}
	return b, r.Bytes(), nil
}

// appendBlockBytes appends the bytes a block covers in mem.
func appendBlockBytes(dst, mem []byte, b wire.Block) []byte {
	for i := range b.Count {
		off := b.Offset + i*b.Stride
		dst = append(dst, mem[off:off+b.Len]...)
	}
	return dst
}

// copyBlockBytes writes src over the bytes the block covers in mem and
// returns the rest of src; the caller checked that src is long enough.
func copyBlockBytes(mem []byte, b wire.Block, src []byte) []byte {
	for i := range b.Count {
		off := b.Offset + i*b.Stride
		src = src[copy(mem[off:off+b.Len], src):]
	}
	return src
}

// SharedRegion returns the named region as a task that declares it
// shared sends it to hosts: its content hash (computed the first time)
// and its bytes, for a HostLink to publish ahead of the first such task.
func (p *Pool) SharedRegion(name string) (SharedRegion, error) {
	r, err := p.arena.Region(name)
	if err != nil {
		return SharedRegion{}, fmt.Errorf("%w: shared region %q: %w", ErrFootprint, name, err)
	}
	return SharedRegion{Name: name, Hash: p.sharedHash(name, r), Bytes: r.Bytes()}, nil
}

// sharedHashes caches the content hash of each shared region: a shared
// region does not change once a task named it, so it is hashed once.
type sharedHashes struct {
	mu   sync.Mutex
	sums map[string][32]byte
}

// sharedHash returns the SHA-256 of a shared region's content, hashed
// the first time it is asked for.
func (p *Pool) sharedHash(name string, r arena.Region) [32]byte {
	s := &p.shared
	s.mu.Lock()
	defer s.mu.Unlock()
	if sum, ok := s.sums[name]; ok {
		return sum
	}
	if s.sums == nil {
		s.sums = map[string][32]byte{}
	}
	sum := sha256.Sum256(r.Bytes())
	s.sums[name] = sum
	return sum
}
