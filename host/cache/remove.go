package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// RemoveAll implements `remove-cache-dir` / `remove-tokens`: it removes what kubelogin stored in dir
// (entries, lock files, temp files, the PoP key pop-key.pem, and Azure/kubelogin's auth.json and PoP cache
// files) and, if dir is then empty, dir itself. Anything else is left alone and returned in kept, so a
// mistaken --cache-dir ~ cannot wipe a user's files. removed lists the paths it removed, so the command
// can say what it did. A missing dir is not an error.
//
// It is a function, not a Cache method, so removal neither creates the directory (as Open would) nor depends
// on the cache being usable. Lock files are removed too: run it when no get-token is in progress.
func RemoveAll(dir string) (removed, kept []string, err error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading token cache directory %s: %w", dir, err)
	}
	var errs []error
	for _, de := range des {
		path := filepath.Join(dir, de.Name())
		if !isOwnedName(de.Name()) {
			kept = append(kept, path)
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing %s: %w", path, err))
			continue
		}
		removed = append(removed, path)
	}
	if len(kept) == 0 && len(errs) == 0 {
		if err := os.Remove(dir); err != nil {
			errs = append(errs, fmt.Errorf("removing token cache directory %s: %w", dir, err))
		} else {
			removed = append(removed, dir)
		}
	}
	return removed, kept, errors.Join(errs...)
}
