package output

import (
	"errors"
	"image"
)

// Discard returns a Sink that drops every frame without reading it, for
// speed runs (-o none). It never fails, even after Close.
func Discard() Sink { return discard{} }

type discard struct{}

func (discard) WriteFrame(*image.RGBA, int) error { return nil }
func (discard) Close() error                      { return nil }

// Multi returns a Sink that hands each frame to every sink in turn, like
// io.MultiWriter, for example a video file and a live view. A failing sink
// does not stop the others: WriteFrame and Close visit them all and return
// their errors joined with errors.Join (nil if all succeeded). The frame is
// valid for each sink's call, as the Sink contract requires.
func Multi(sinks ...Sink) Sink {
	return multi(append([]Sink(nil), sinks...))
}

type multi []Sink

func (m multi) WriteFrame(img *image.RGBA, frame int) error {
	var errs []error
	for _, s := range m {
		if err := s.WriteFrame(img, frame); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m multi) Close() error {
	var errs []error
	for _, s := range m {
		if err := s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
