//go:build !linux

package arena

import (
	"errors"
	"os"
)

// Arenas need memfd and file seals, which only Linux has.

func newMemfd(string, int64) (*os.File, error)    { return nil, errors.ErrUnsupported }
func seal(*os.File) error                         { return errors.ErrUnsupported }
func checkSealed(*os.File) error                  { return errors.ErrUnsupported }
func createNamed(string, int64) (*os.File, error) { return nil, errors.ErrUnsupported }
func openPrivate(string) (*os.File, error)        { return nil, errors.ErrUnsupported }
func removeNamed(*os.File, string) error          { return nil }
