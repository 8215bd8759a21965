package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/shmrun/shmrun/cmd/trace/internal/output"
	"github.com/shmrun/shmrun/cmd/trace/internal/view"
)

// openOutputs opens every output of the run before the pool starts: -o,
// -view, -stats and -timeline, so that one that cannot be written fails at
// once rather than after the render. The -stats file is kept open until
// the run is over; the runtime writes the timeline itself at the end, so
// that path is only checked.
func (s *session) openOutputs() error {
	if s.cfg.timeline != "" {
		if err := output.CheckWritable(s.cfg.timeline); err != nil {
			return fmt.Errorf("-timeline: %w", err)
		}
	}
	if s.cfg.stats != "" {
		f, err := createLater(s.cfg.stats)
		if err != nil {
			return fmt.Errorf("-stats: %w", err)
		}
		s.statsFile = f
	}
	fps := s.cfg.fps
	if fps == 0 {
		fps = s.sceneFPS()
	}
	out, err := output.Open(s.cfg.out, s.cfg.w, s.cfg.h, fps, s.cfg.frames)
	if err != nil {
		return fmt.Errorf("-o: %w", err) // as -stats and -timeline name theirs
	}
	v, err := view.Open(s.cfg.view, os.Stderr)
	if err != nil {
		out.Close()
		return err
	}
	s.out, s.view = out, v
	s.sink = output.Multi(out, v)
	if h, ok := v.(*view.HTTP); ok {
		if s.cfg.hold {
			s.held = h
		}
		if !s.cfg.quiet {
			fmt.Fprintf(s.stderr, "trace: live view at %s\n", h.URL())
		}
	}
	return nil
}

// laterFile is a file opened before a run and written when it is over.
// Opening it does not truncate it: until the run writes it, a file that
// was there is left as it was, and one that was not is removed if the run
// writes nothing.
type laterFile struct {
	path    string
	f       *os.File // nil: a named pipe, opened when written
	created bool
}

func createLater(path string) (*laterFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		return &laterFile{path: path, f: f, created: true}, nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode()&fs.ModeNamedPipe != 0 {
		return &laterFile{path: path}, nil // opening it now would wait for a reader
	}
	if f, err = os.OpenFile(path, os.O_WRONLY, 0); err != nil {
		return nil, err
	}
	return &laterFile{path: path, f: f}, nil
}

// replace writes b as the file's whole content and closes it.
func (l *laterFile) replace(b []byte) error {
	if l.f == nil {
		f, err := os.OpenFile(l.path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		l.f = f
	}
	if fi, err := l.f.Stat(); err == nil && fi.Mode().IsRegular() {
		if err := l.f.Truncate(0); err != nil {
			l.f.Close()
			return err
		}
	}
	_, err := l.f.Write(b)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// abandon closes the file unwritten, removing it if opening created it.
func (l *laterFile) abandon() {
	if l == nil || l.f == nil {
		return
	}
	l.f.Close()
	if l.created {
		os.Remove(l.path)
	}
}
