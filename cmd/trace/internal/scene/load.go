package scene

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/shmrun/shmrun/scenes"
)

// Load reads a scene by path or by name. It tries, in order:
//
//  1. ref as a file path ("scenes/cornell.json", "/tmp/x.json");
//  2. for a bare name ("cornell"), the file scenes/<name>.json relative to
//     the working directory;
//  3. the copy of <name>.json embedded in the program (package scenes), so
//     that a built binary finds its scenes from any directory.
//
// Mesh files are loaded from the directory of the scene file that was found.
// A ref that matches nothing gives an error wrapping ErrNotFound; a scene
// that exists but is invalid gives its parse error (see Parse).
func Load(ref string) (*Scene, error) {
	if ok, err := isFile(ref); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return loadFile(ref)
	}
	if strings.ContainsAny(ref, `/\`) || filepath.Ext(ref) != "" {
		return nil, fmt.Errorf("scene file %q: %w", ref, ErrNotFound)
	}
	local := filepath.Join("scenes", ref+".json")
	if ok, _ := isFile(local); ok {
		return loadFile(local)
	}
	return LoadFS(scenes.FS(), ref+".json")
}

// LoadFS parses the scene file name in fsys; mesh files are looked up in
// the same directory of fsys. Errors name the file as "name".
func LoadFS(fsys fs.FS, name string) (*Scene, error) {
	data, err := readLimited(fsys, name)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(filepath.FromSlash(name))
	sub, err := fs.Sub(fsys, filepath.ToSlash(dir))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	return Parse(name, data, sub)
}

func loadFile(path string) (*Scene, error) {
	data, err := readLimited(os.DirFS(filepath.Dir(path)), filepath.Base(path))
	if err != nil {
		return nil, err
	}
	return Parse(path, data, os.DirFS(filepath.Dir(path)))
}

// isFile reports whether path names a regular file. A path that exists but
// cannot be read as a file is an error.
func isFile(path string) (bool, error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("%s: %w: %v", path, ErrNotFound, oneLine(err))
	case !fi.Mode().IsRegular():
		return false, fmt.Errorf("%s: %w: not a regular file", path, ErrNotFound)
	}
	return true, nil
}

// readLimited reads a whole file of at most MaxFileSize bytes.
func readLimited(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("scene %q: %w (no file of that name, no scenes/%s.json, no embedded scene)",
			strings.TrimSuffix(name, ".json"), ErrNotFound, strings.TrimSuffix(name, ".json"))
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrNotFound, oneLine(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrNotFound, oneLine(err))
	}
	if len(data) > MaxFileSize {
		return nil, &Error{File: name, Line: 1, Col: 1, Msg: fmt.Sprintf("scene file larger than %d bytes", MaxFileSize), Err: ErrLimit}
	}
	return data, nil
}

// Names returns the names of the embedded scenes, sorted, without the
// ".json" extension: the names Load accepts from any directory.
func Names() []string {
	matches, _ := fs.Glob(scenes.FS(), "*.json")
	for i, m := range matches {
		matches[i] = strings.TrimSuffix(m, ".json")
	}
	return matches
}
