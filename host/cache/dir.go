package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvCacheDir is the environment variable that sets the cache directory when no flag does; it is the name
// Azure/kubelogin uses, so existing setups keep working.
const EnvCacheDir = "KUBECACHEDIR"

// ResolveDir decides where the cache lives, once, so no code path ever falls back to the working directory
// (kubectl starts kubelogin wherever the user happens to be; Azure/kubelogin#108, #121).
//
// raw is --cache-dir (or its alias --token-cache-dir), else $KUBECACHEDIR, as the settings resolver found
// them, and source names which; when raw is empty the cache is <home>/.kube/cache/kubelogin.
//
// Rules for a flag or environment value: a leading "~" or "~/" is the home directory ("~user" is rejected);
// $VAR and ${VAR} are expanded with getenv, and a variable that is unset or empty is an error rather than
// silently vanishing from the path. The result must be absolute: a relative value is rejected, never
// resolved against the working directory. With an unknown home (""), "~" and the default are errors.
func ResolveDir(raw, source string, getenv func(string) string, home string) (string, error) {
	if raw == "" {
		if home == "" {
			return "", errors.New("cannot place the token cache: the home directory is unknown; set --cache-dir or " + EnvCacheDir)
		}
		return absolute(filepath.Join(home, ".kube", "cache", "kubelogin"), "the home directory")
	}
	p, err := expand(raw, getenv, home)
	if err != nil {
		return "", fmt.Errorf("cache directory %q from %s: %w", raw, source, err)
	}
	return absolute(p, source)
}

// absolute cleans p and rejects a relative result, because relative means "wherever kubectl was run".
func absolute(p, source string) (string, error) {
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("cache directory %q from %s is relative; use an absolute path or one starting with ~", p, source)
	}
	return filepath.Clean(p), nil
}

// expand resolves a leading ~ and $VAR/${VAR}, the forms people write in kubeconfig args where no shell
// expands them.
func expand(raw string, getenv func(string) string, home string) (string, error) {
	prefix, rest := "", raw
	if strings.HasPrefix(raw, "~") {
		if len(raw) > 1 && !os.IsPathSeparator(raw[1]) {
			return "", errors.New("~user is not supported; write the full path")
		}
		if home == "" {
			return "", errors.New("it starts with ~ but the home directory is unknown")
		}
		prefix, rest = home, raw[1:]
	}
	var missing []string
	rest = os.Expand(rest, func(name string) string {
		v := getenv(name)
		if v == "" {
			missing = append(missing, "$"+name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("it refers to %s, which is not set", strings.Join(missing, ", "))
	}
	return prefix + rest, nil
}
