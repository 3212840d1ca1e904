package lakeloader

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Defaults of Options.
const (
	// DefaultName is the stem of generated file names.
	DefaultName = "lakeload"
	// DefaultMaxObjectBytes matches the largest Firehose buffer (128 MiB of
	// records before compression).
	DefaultMaxObjectBytes = 128 << 20
	// DefaultMaxRecordBytes matches Firehose's record limit (1,000 KiB).
	DefaultMaxRecordBytes = 1000 << 10
	// DefaultPartSize is the multipart part size; S3's minimum is 5 MiB.
	DefaultPartSize = 8 << 20
	// DefaultConcurrency is the number of parts uploaded at once per object.
	DefaultConcurrency = 4
	// DefaultMaxOpenPartitions bounds the spool files open while reading.
	DefaultMaxOpenPartitions = 64
	// DefaultSortBufferBytes bounds the records of further partitions held
	// in memory before a sorted run is written to disk.
	DefaultSortBufferBytes = 32 << 20

	// maxMergeFanIn bounds the run files read at once by the final merge;
	// more runs are first merged in groups.
	maxMergeFanIn = 64

	// abortTimeout bounds the clean-up of a failed upload, which runs even
	// when the load's context is cancelled.
	abortTimeout = 30 * time.Second
)

// Options configures a Loader. Bucket and Prefix are required; the zero value
// of every other field is the production default.
type Options struct {
	// Bucket is the zone's bucket. Required.
	Bucket string
	// Prefix is the zone prefix every key starts with, e.g. "events/". It is
	// validated by ValidatePrefix and given a trailing "/" if it lacks one.
	// Required: an empty prefix is rejected.
	Prefix string
	// TimeField is the dotted path of the field holding each record's
	// timestamp, e.g. "ts" or "meta.time". The value is a string in RFC 3339
	// ("2026-11-25T07:00:00Z", also with a space for "T", or without a zone,
	// read as UTC), a date ("2026-11-25"), or a number of seconds since the
	// Unix epoch (milliseconds from 1e11 up). A record without a valid value
	// fails the load. Default: "" (every record goes to the load time's
	// partition).
	TimeField string
	// Name is the stem of generated file names: letters, digits, '-' and '_'.
	// Default: "lakeload".
	Name string
	// MaxObjectBytes bounds the uncompressed JSON in one object, like
	// Firehose's buffer size; a partition with more is split over several
	// objects. Must be at least MaxRecordBytes+1. Default: 128 MiB.
	MaxObjectBytes int64
	// MaxRecordBytes bounds one record (line). Default: 1,000 KiB.
	MaxRecordBytes int
	// KMSKeyID is the KMS key (ID, ARN or alias ARN) for SSE-KMS. Default: ""
	// (the bucket's default key, or aws/s3).
	KMSKeyID string
	// DisableSSE stops sending "x-amz-server-side-encryption: aws:kms". Only
	// for S3-compatible servers without KMS: gureum's buckets deny uploads
	// without it. Default: false (SSE-KMS requested on every object).
	DisableSSE bool
	// PartSize is the multipart part size; objects up to it are sent with one
	// PutObject. Minimum 5 MiB. Default: 8 MiB.
	PartSize int64
	// Concurrency is the number of parts uploaded in parallel. Default: 4.
	Concurrency int
	// MaxOpenPartitions bounds the partitions spooled at once (one gzip
	// stream and temporary file each). The first MaxOpenPartitions partitions
	// of a load are spooled as they are read; records of any further
	// partition are staged, sorted by partition (in memory up to
	// SortBufferBytes, then in sorted runs on disk merged at the end) and
	// spooled one partition at a time after the input is read. Either way a
	// partition lands in ceil(its bytes / MaxObjectBytes) objects, however
	// its records are interleaved with other partitions'. Default: 64.
	MaxOpenPartitions int
	// SortBufferBytes bounds the memory staging the records of partitions
	// beyond MaxOpenPartitions before they are sorted; past it, they are
	// sorted and written to a temporary run file. Default: 32 MiB.
	SortBufferBytes int
	// TempDir holds the gzip spool files. Default: os.TempDir().
	TempDir string
	// Now gives the load time. Default: time.Now.
	Now func() time.Time
}

// API is the part of the S3 client a Loader uses; *s3.Client implements it.
type API interface {
	manager.UploadAPIClient
	ListMultipartUploads(context.Context, *s3.ListMultipartUploadsInput, ...func(*s3.Options)) (*s3.ListMultipartUploadsOutput, error)
}

// Loader lands NDJSON records in one zone of the lake. It is safe for
// concurrent use; each Load is independent.
type Loader struct {
	client   API
	uploader *manager.Uploader
	opts     Options
	path     []string
}

// Input is one named source of NDJSON records.
type Input struct {
	// Name identifies the source in error messages, e.g. a file name.
	Name   string
	Reader io.Reader
}

// Object describes one object a load wrote.
type Object struct {
	// Key is the object's key, under the zone prefix.
	Key string
	// Partition is the partition path, e.g. "year=2026/month=11/day=25/".
	Partition string
	// Records is the number of records in the object.
	Records int
	// Bytes is the size of the records before compression.
	Bytes int64
	// CompressedBytes is the size of the object.
	CompressedBytes int64
}

// Result reports what a load wrote.
type Result struct {
	// LoadID is the random identifier in every file name of this load.
	LoadID string
	// Records is the number of records read.
	Records int
	// Partitions is the number of distinct partitions the records fell in.
	Partitions int
	// Objects lists the objects written, in key order. After a failed upload
	// it lists the objects that were written before it.
	Objects []Object
}

// New validates opts and returns a Loader that writes through client.
func New(client API, opts Options) (*Loader, error) {
	if client == nil {
		return nil, errors.New("lakeloader: nil S3 client")
	}
	if strings.TrimSpace(opts.Bucket) == "" {
		return nil, errors.New("lakeloader: bucket is required")
	}
	prefix, err := ValidatePrefix(opts.Prefix)
	if err != nil {
		return nil, err
	}
	opts.Prefix = prefix
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if err := validateName(opts.Name); err != nil {
		return nil, err
	}
	var path []string
	if opts.TimeField != "" {
		path = strings.Split(opts.TimeField, ".")
		for _, p := range path {
			if p == "" {
				return nil, fmt.Errorf("lakeloader: time field %q has an empty path element", opts.TimeField)
			}
		}
	}
	if opts.MaxRecordBytes == 0 {
		opts.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if opts.MaxObjectBytes == 0 {
		opts.MaxObjectBytes = DefaultMaxObjectBytes
	}
	if opts.PartSize == 0 {
		opts.PartSize = DefaultPartSize
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.MaxOpenPartitions == 0 {
		opts.MaxOpenPartitions = DefaultMaxOpenPartitions
	}
	if opts.SortBufferBytes == 0 {
		opts.SortBufferBytes = DefaultSortBufferBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	switch {
	case opts.MaxRecordBytes < 0:
		return nil, fmt.Errorf("lakeloader: max record bytes %d is negative", opts.MaxRecordBytes)
	case opts.MaxObjectBytes <= int64(opts.MaxRecordBytes):
		return nil, fmt.Errorf("lakeloader: max object bytes %d must exceed max record bytes %d", opts.MaxObjectBytes, opts.MaxRecordBytes)
	case opts.PartSize < manager.MinUploadPartSize:
		return nil, fmt.Errorf("lakeloader: part size %d is below S3's minimum of %d", opts.PartSize, manager.MinUploadPartSize)
	case opts.Concurrency < 0:
		return nil, fmt.Errorf("lakeloader: concurrency %d is negative", opts.Concurrency)
	case opts.MaxOpenPartitions < 0:
		return nil, fmt.Errorf("lakeloader: max open partitions %d is negative", opts.MaxOpenPartitions)
	case opts.SortBufferBytes < 0:
		return nil, fmt.Errorf("lakeloader: sort buffer bytes %d is negative", opts.SortBufferBytes)
	case opts.DisableSSE && opts.KMSKeyID != "":
		return nil, errors.New("lakeloader: a KMS key id was given with SSE disabled")
	}
	l := &Loader{client: client, opts: opts, path: path}
	l.uploader = manager.NewUploader(client, func(u *manager.Uploader) {
		u.PartSize = opts.PartSize
		u.Concurrency = opts.Concurrency
		u.LeavePartsOnError = false
	})
	return l, nil
}

// Prefix returns the canonical zone prefix every key starts with.
func (l *Loader) Prefix() string { return l.opts.Prefix }

// Load reads every input, then uploads the records grouped per partition.
// An invalid record, a read error or a cancelled context while reading fails
// the load before anything is written. An upload failure stops the load after
// aborting that object's upload; the objects written before it are listed in
// the returned Result, which is non-nil whenever uploads began. (A context
// cancelled while S3 is already completing an upload can leave that one whole
// object in place without it being listed.)
func (l *Loader) Load(ctx context.Context, inputs ...Input) (*Result, error) {
	now := l.opts.Now().UTC()
	id, err := loadID()
	if err != nil {
		return nil, err
	}
	b := &batch{l: l, now: now, id: id, open: map[string]*spool{}, seen: map[string]string{}}
	defer b.remove()
	for _, in := range inputs {
		if err := b.read(ctx, in); err != nil {
			return nil, err
		}
	}
	if err := b.closeAll(); err != nil {
		return nil, err
	}
	if err := b.spoolStaged(ctx); err != nil {
		return nil, err
	}
	sort.Slice(b.done, func(i, j int) bool { return b.done[i].key < b.done[j].key })
	res := &Result{LoadID: id, Records: b.records, Partitions: len(b.seen)}
	for _, sp := range b.done {
		if err := l.upload(ctx, sp); err != nil {
			return res, err
		}
		res.Objects = append(res.Objects, Object{Key: sp.key, Partition: sp.partition, Records: sp.records, Bytes: sp.bytes, CompressedBytes: sp.compressed})
	}
	return res, nil
}

func loadID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("lakeloader: load id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// upload writes one spool file to its key. On failure it aborts the multipart
// upload the upload manager started, and any other pending upload of the same
// key, with a context that outlives a cancelled ctx.
func (l *Loader) upload(ctx context.Context, sp *spool) error {
	if !strings.HasPrefix(sp.key, l.opts.Prefix) {
		return fmt.Errorf("lakeloader: refusing key %q outside prefix %q", sp.key, l.opts.Prefix)
	}
	f, err := os.Open(sp.path)
	if err != nil {
		return fmt.Errorf("lakeloader: reopen spool for %s: %w", sp.key, err)
	}
	defer f.Close()
	in := &s3.PutObjectInput{
		Bucket:      aws.String(l.opts.Bucket),
		Key:         aws.String(sp.key),
		Body:        f,
		ContentType: aws.String("application/gzip"),
	}
	if !l.opts.DisableSSE {
		in.ServerSideEncryption = types.ServerSideEncryptionAwsKms
		if l.opts.KMSKeyID != "" {
			in.SSEKMSKeyId = aws.String(l.opts.KMSKeyID)
		}
	}
	_, err = l.uploader.Upload(ctx, in)
	if err == nil {
		return nil
	}
	err = fmt.Errorf("lakeloader: upload s3://%s/%s: %w", l.opts.Bucket, sp.key, err)
	if cerr := l.abortPending(ctx, sp.key, err); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}

// abortPending aborts the failed upload's multipart upload and any other
// pending multipart upload of key. Keys carry a random load id, so a pending
// upload of the same key can only be this load's (for instance one whose
// CreateMultipartUpload reply was lost to a cancellation).
func (l *Loader) abortPending(ctx context.Context, key string, uploadErr error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	bucket := aws.String(l.opts.Bucket)
	var errs []error
	abort := func(id string) {
		_, err := l.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: bucket, Key: aws.String(key), UploadId: aws.String(id)})
		var nsu *types.NoSuchUpload
		if err != nil && !errors.As(err, &nsu) {
			errs = append(errs, fmt.Errorf("abort multipart upload %s: %w", id, err))
		}
	}
	var mf manager.MultiUploadFailure
	if errors.As(uploadErr, &mf) && mf.UploadID() != "" {
		abort(mf.UploadID())
	}
	p := s3.NewListMultipartUploadsPaginator(l.client, &s3.ListMultipartUploadsInput{Bucket: bucket, Prefix: aws.String(key)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("list pending multipart uploads of %s: %w", key, err))
			break
		}
		for _, u := range page.Uploads {
			if aws.ToString(u.Key) == key && u.UploadId != nil {
				abort(*u.UploadId)
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("lakeloader: clean up failed upload of s3://%s/%s: %w", l.opts.Bucket, key, errors.Join(errs...))
	}
	return nil
}

// batch groups one load's records into gzip spool files, each becoming one
// object. The first MaxOpenPartitions partitions get a spool as soon as they
// are seen and keep it to the end (a full one is replaced by the next object
// of the same partition); the records of every other partition are staged
// and sorted by partition, then spooled one partition at a time. So no
// partition is ever split by the interleaving of the input.
type batch struct {
	l       *Loader
	now     time.Time
	id      string
	seq     int
	records int
	// seen interns partition names and counts distinct partitions.
	seen  map[string]string
	open  map[string]*spool
	done  []*spool
	stage stage
}

// spool is one object's records, gzip-compressed in a temporary file.
type spool struct {
	partition  string
	key        string
	path       string
	file       *os.File
	buf        *bufio.Writer
	gz         *gzip.Writer
	records    int
	bytes      int64
	compressed int64
}

func (b *batch) read(ctx context.Context, in Input) error {
	name := in.Name
	if name == "" {
		name = "input"
	}
	if in.Reader == nil {
		return fmt.Errorf("lakeloader: %s: nil reader", name)
	}
	sc := bufio.NewScanner(in.Reader)
	limit := b.l.opts.MaxRecordBytes + 2 // room for "\r\n"
	sc.Buffer(make([]byte, 0, min(64<<10, limit)), limit)
	line := 0
	for sc.Scan() {
		line++
		if line%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("lakeloader: %s: %w", name, err)
			}
		}
		rec := trimSpace(sc.Bytes())
		if len(rec) == 0 {
			continue
		}
		if len(rec) > b.l.opts.MaxRecordBytes {
			return fmt.Errorf("lakeloader: %s:%d: record is %d bytes, more than %d", name, line, len(rec), b.l.opts.MaxRecordBytes)
		}
		if err := checkRecord(rec); err != nil {
			return fmt.Errorf("lakeloader: %s:%d: %w", name, line, err)
		}
		t := b.now
		if b.l.path != nil {
			var err error
			if t, err = recordTime(rec, b.l.path); err != nil {
				return fmt.Errorf("lakeloader: %s:%d: %w", name, line, err)
			}
		}
		if err := b.add(b.intern(Partition(t)), rec); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("lakeloader: %s:%d: record is more than %d bytes", name, line+1, b.l.opts.MaxRecordBytes)
		}
		return fmt.Errorf("lakeloader: read %s after line %d: %w", name, line, err)
	}
	return ctx.Err()
}

func (b *batch) intern(partition string) string {
	if p, ok := b.seen[partition]; ok {
		return p
	}
	b.seen[partition] = partition
	return partition
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// add routes one record: to its partition's open spool, to a new spool while
// fewer than MaxOpenPartitions are open, or else to the sort stage.
func (b *batch) add(partition string, rec []byte) error {
	b.records++
	sp := b.open[partition]
	if sp == nil {
		if len(b.open) >= b.l.opts.MaxOpenPartitions || b.stage.has(partition) {
			return b.stage.add(b, partition, rec)
		}
		var err error
		if sp, err = b.create(partition); err != nil {
			return err
		}
		b.open[partition] = sp
	}
	sp, err := b.write(sp, rec)
	if sp != nil {
		b.open[partition] = sp
	}
	return err
}

// write appends rec to sp, first replacing sp with a new spool of the same
// partition when rec would take it past MaxObjectBytes. It returns the spool
// that holds rec.
func (b *batch) write(sp *spool, rec []byte) (*spool, error) {
	size := int64(len(rec)) + 1
	if sp.records > 0 && sp.bytes+size > b.l.opts.MaxObjectBytes {
		if err := b.finish(sp); err != nil {
			return nil, err
		}
		var err error
		if sp, err = b.create(sp.partition); err != nil {
			return nil, err
		}
	}
	if _, err := sp.gz.Write(rec); err != nil {
		return sp, fmt.Errorf("lakeloader: spool %s: %w", sp.key, err)
	}
	if _, err := sp.gz.Write([]byte{'\n'}); err != nil {
		return sp, fmt.Errorf("lakeloader: spool %s: %w", sp.key, err)
	}
	sp.records++
	sp.bytes += size
	return sp, nil
}

func (b *batch) create(partition string) (*spool, error) {
	b.seq++
	file := fmt.Sprintf("%s-%s-%s-%04d.json.gz", b.l.opts.Name, b.now.Format("2006-01-02-15-04-05"), b.id, b.seq)
	key, err := objectKey(b.l.opts.Prefix, partition, file)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(b.l.opts.TempDir, "lakeload-*.json.gz")
	if err != nil {
		return nil, fmt.Errorf("lakeloader: spool file: %w", err)
	}
	sp := &spool{partition: partition, key: key, path: f.Name(), file: f, buf: bufio.NewWriterSize(f, 64<<10)}
	sp.gz = gzip.NewWriter(sp.buf)
	b.done = append(b.done, sp)
	return sp, nil
}

// finish completes a spool's gzip stream and closes its file.
func (b *batch) finish(sp *spool) error {
	err := sp.gz.Close()
	if err == nil {
		err = sp.buf.Flush()
	}
	if err == nil {
		var fi os.FileInfo
		if fi, err = sp.file.Stat(); err == nil {
			sp.compressed = fi.Size()
		}
	}
	if cerr := sp.file.Close(); err == nil {
		err = cerr
	}
	sp.file = nil
	if err != nil {
		return fmt.Errorf("lakeloader: spool %s: %w", sp.key, err)
	}
	return nil
}

func (b *batch) closeAll() error {
	for p, sp := range b.open {
		delete(b.open, p)
		if err := b.finish(sp); err != nil {
			return err
		}
	}
	return nil
}

// spoolStaged writes the staged records, in partition order, into spools:
// one partition at a time, split only at MaxObjectBytes.
func (b *batch) spoolStaged(ctx context.Context) error {
	var cur *spool
	err := b.stage.each(ctx, b, func(partition string, rec []byte) error {
		if cur != nil && cur.partition != partition {
			if err := b.finish(cur); err != nil {
				return err
			}
			cur = nil
		}
		if cur == nil {
			var err error
			if cur, err = b.create(partition); err != nil {
				return err
			}
		}
		var err error
		cur, err = b.write(cur, rec)
		return err
	})
	if cur != nil && cur.file != nil {
		if ferr := b.finish(cur); err == nil {
			err = ferr
		}
	}
	return err
}

// remove deletes every spool and run file of the batch.
func (b *batch) remove() {
	for _, sp := range b.done {
		if sp.file != nil {
			sp.file.Close()
		}
		os.Remove(sp.path)
	}
	b.stage.remove()
}
