package golambda

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The build cache keeps handler binaries across syntheses, in the user's
// cache directory (os.UserCacheDir()/gureum/golambda, or the directory
// $GUREUM_GOLAMBDA_CACHE names; "off" turns it off). Two kinds of entry live
// there, each a file named by its key:
//
//   - o/<key>: a binary, keyed by everything that decides its bytes (see
//     outputKey): the toolchain, the target, the flags, the module's go.mod
//     and go.sum and the content of every source file the package depends on.
//   - m/<key>: a manifest, keyed by where the package is and how it is built
//     (see manifestKey): the dependencies go list found last time, with the
//     content hash of each source file, and the output key they gave. While
//     every file still has that hash and every package directory the same
//     file names, the output key stands without running go list again.
//
// Every entry is framed: a magic string, the SHA-256 and length of the
// payload, then the payload. An entry whose frame does not check out (a
// partial write, a truncated or damaged file) is treated as missing: it is
// rebuilt and replaced, never used. Entries are written to a temporary file
// in the same directory, synced and renamed into place, so a reader sees a
// whole entry or none, and two syntheses building the same handler at once
// both succeed (the last rename wins; both wrote the same bytes).
//
// Reading an entry sets its modification time; when the entries together
// exceed the size limit (GUREUM_GOLAMBDA_CACHE_MAX_MB, default
// DefaultCacheMaxMB) the least recently used are deleted after every write.
type diskCache struct {
	dir string
	max int64 // bytes
}

// DefaultCacheMaxMB bounds the build cache: about 80 handler binaries.
const DefaultCacheMaxMB = 1024

// Environment variables that configure the build cache.
const (
	// CacheEnv names the cache directory, or "off" to build every handler
	// on every synthesis. Default: os.UserCacheDir()/gureum/golambda.
	CacheEnv = "GUREUM_GOLAMBDA_CACHE"
	// CacheMaxEnv is the cache's size limit in MiB. Default: DefaultCacheMaxMB.
	CacheMaxEnv = "GUREUM_GOLAMBDA_CACHE_MAX_MB"
)

// openCache returns the cache the environment configures, or nil when it is
// off or there is no user cache directory.
func openCache() *diskCache {
	dir := os.Getenv(CacheEnv)
	switch {
	case dir == "off":
		return nil
	case dir == "":
		base, err := os.UserCacheDir()
		if err != nil {
			return nil
		}
		dir = filepath.Join(base, "gureum", "golambda")
	}
	max := int64(DefaultCacheMaxMB)
	if s := os.Getenv(CacheMaxEnv); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			max = n
		}
	}
	return &diskCache{dir: dir, max: max << 20}
}

// Kinds of cache entry.
const (
	kindOutput   = "o"
	kindManifest = "m"
)

// frameMagic starts every entry; the format's version is part of it.
const frameMagic = "gureum-golambda1"

// frameSize is the length of an entry's frame: magic, SHA-256, length.
const frameSize int64 = int64(len(frameMagic)) + sha256.Size + 8

// entry is a verified cache entry: its payload is Size bytes at offset Off of
// the file at Path, with SHA-256 Sum.
type entry struct {
	Path string
	Off  int64
	Size int64
	Sum  [sha256.Size]byte
}

func (c *diskCache) path(kind, key string) string { return filepath.Join(c.dir, kind, key) }

// get returns the entry of kind under key if its whole payload checks out,
// and marks it used. A damaged entry is removed.
func (c *diskCache) get(kind, key string) (entry, bool) {
	p := c.path(kind, key)
	e, err := verifyEntry(p)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			os.Remove(p) // damaged: the caller rebuilds it
		}
		return entry{}, false
	}
	now := time.Now()
	os.Chtimes(p, now, now) // least recently used goes first; best effort
	return e, true
}

// errDamaged reports an entry whose frame does not match its payload.
var errDamaged = errors.New("damaged cache entry")

// verifyEntry reads the entry at path and checks its frame.
func verifyEntry(path string) (entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return entry{}, err
	}
	defer f.Close()
	var hdr [frameSize]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return entry{}, errDamaged
	}
	if string(hdr[:len(frameMagic)]) != frameMagic {
		return entry{}, errDamaged
	}
	e := entry{Path: path, Off: frameSize}
	copy(e.Sum[:], hdr[len(frameMagic):])
	e.Size = int64(binary.BigEndian.Uint64(hdr[len(frameMagic)+sha256.Size:]))
	st, err := f.Stat()
	if err != nil || st.Size() != frameSize+e.Size {
		return entry{}, errDamaged
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil || !bytes.Equal(h.Sum(nil), e.Sum[:]) {
		return entry{}, errDamaged
	}
	return e, nil
}

// readAll returns the payload of a verified entry, checking it again.
func (e entry) readAll() ([]byte, error) {
	f, err := os.Open(e.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, e.Size)
	if _, err := f.ReadAt(b, e.Off); err != nil {
		return nil, err
	}
	if sha256.Sum256(b) != e.Sum {
		return nil, errDamaged
	}
	return b, nil
}

// copyTo writes the payload to dst (created with mode), and fails, leaving
// no dst, unless the bytes written are the ones the frame promised: the
// entry may have been evicted, or replaced, since it was verified.
func (e entry) copyTo(dst string, mode os.FileMode) error {
	f, err := os.Open(e.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.NewSectionReader(f, e.Off, e.Size))
	err = errors.Join(err, out.Close())
	if err == nil && (n != e.Size || !bytes.Equal(h.Sum(nil), e.Sum[:])) {
		err = fmt.Errorf("%w: %s changed while it was copied", errDamaged, e.Path)
	}
	if err != nil {
		os.Remove(dst)
	}
	return err
}

// put stores the payload read from src (size bytes, SHA-256 sum) as the
// entry of kind under key, atomically, then trims the cache to its limit.
func (c *diskCache) put(kind, key string, src io.Reader, size int64, sum [sha256.Size]byte) (entry, error) {
	dir := filepath.Join(c.dir, kind)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return entry{}, err
	}
	tmp, err := os.CreateTemp(dir, key+".tmp-*")
	if err != nil {
		return entry{}, err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	var hdr [frameSize]byte
	copy(hdr[:], frameMagic)
	copy(hdr[len(frameMagic):], sum[:])
	binary.BigEndian.PutUint64(hdr[len(frameMagic)+sha256.Size:], uint64(size))
	h := sha256.New()
	_, err = tmp.Write(hdr[:])
	if err == nil {
		var n int64
		n, err = io.Copy(io.MultiWriter(tmp, h), src)
		if err == nil && (n != size || !bytes.Equal(h.Sum(nil), sum[:])) {
			err = fmt.Errorf("golambda cache: payload of %s changed while it was stored", key)
		}
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	final := c.path(kind, key)
	if err == nil {
		err = os.Rename(tmp.Name(), final)
	}
	if err != nil {
		return entry{}, err
	}
	c.trim(final)
	return entry{Path: final, Off: frameSize, Size: size, Sum: sum}, nil
}

// putBytes stores a payload held in memory.
func (c *diskCache) putBytes(kind, key string, b []byte) (entry, error) {
	return c.put(kind, key, bytes.NewReader(b), int64(len(b)), sha256.Sum256(b))
}

// putFile stores the file at path.
func (c *diskCache) putFile(kind, key, path string) (entry, error) {
	sum, size, err := hashFile(path)
	if err != nil {
		return entry{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return entry{}, err
	}
	defer f.Close()
	return c.put(kind, key, f, size, sum)
}

// staleTemp is how old a temporary file must be before trim deletes it: a
// synthesis that was killed mid-write leaves one behind.
const staleTemp = time.Hour

// trim deletes the least recently used entries until the cache fits its
// limit, keeping keep (the entry just written) whatever its size.
func (c *diskCache) trim(keep string) {
	type file struct {
		path string
		size int64
		used time.Time
	}
	var files []file
	var total int64
	now := time.Now()
	for _, kind := range []string{kindOutput, kindManifest} {
		des, _ := os.ReadDir(filepath.Join(c.dir, kind))
		for _, de := range des {
			info, err := de.Info()
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
			p := filepath.Join(c.dir, kind, de.Name())
			if strings.Contains(de.Name(), ".tmp-") {
				if now.Sub(info.ModTime()) > staleTemp {
					os.Remove(p)
				}
				continue
			}
			files = append(files, file{p, info.Size(), info.ModTime()})
			total += info.Size()
		}
	}
	if total <= c.max {
		return
	}
	sort.Slice(files, func(i, j int) bool { return files[i].used.Before(files[j].used) })
	for _, f := range files {
		if total <= c.max {
			break
		}
		if f.path == keep {
			continue
		}
		// A synthesis reading this entry keeps its open file; one about to
		// open it finds it missing and rebuilds.
		if err := os.Remove(f.path); err == nil || errors.Is(err, os.ErrNotExist) {
			total -= f.size
		}
	}
}

// hashFile returns the SHA-256 and size of the file at path.
func hashFile(path string) ([sha256.Size]byte, int64, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return sum, 0, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, n, nil
}
