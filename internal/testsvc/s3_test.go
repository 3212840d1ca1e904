package testsvc

import (
	"bytes"
	"context"
	"io"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestS3ObjectsAndMultipartUploads(t *testing.T) {
	srv, err := StartS3()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx := context.Background()
	c := srv.Client()
	const bucket = "smoke"
	if err := srv.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}

	body := []byte(`{"hello":"world"}`)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("a/b/one.json"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("a/b/one.json")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	data, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil || !bytes.Equal(data, body) {
		t.Fatalf("GetObject body = %q, %v; want %q", data, err, body)
	}

	// A completed multipart upload of two parts (every part but the last must be >= 5 MiB).
	part1 := bytes.Repeat([]byte("x"), 5<<20)
	part2 := []byte("tail")
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("a/big.bin")})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	var parts []types.CompletedPart
	for i, p := range [][]byte{part1, part2} {
		n := int32(i + 1)
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("a/big.bin"), UploadId: up.UploadId, PartNumber: aws.Int32(n), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", n, err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("a/big.bin"), UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("a/big.bin")})
	if err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	if want := int64(len(part1) + len(part2)); aws.ToInt64(head.ContentLength) != want {
		t.Errorf("completed multipart object is %d bytes, want %d", aws.ToInt64(head.ContentLength), want)
	}

	// An aborted multipart upload leaves neither an object nor a pending upload.
	ab, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("a/aborted.bin")})
	if err != nil {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("a/aborted.bin"), UploadId: ab.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(part1)}); err != nil {
		t.Fatalf("UploadPart: %v", err)
	}
	pending, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if len(pending.Uploads) != 1 || aws.ToString(pending.Uploads[0].Key) != "a/aborted.bin" {
		t.Fatalf("pending uploads before abort = %+v, want one for a/aborted.bin", pending.Uploads)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("a/aborted.bin"), UploadId: ab.UploadId}); err != nil {
		t.Fatalf("AbortMultipartUpload: %v", err)
	}
	pending, err = c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if len(pending.Uploads) != 0 {
		t.Errorf("pending uploads after abort = %d, want 0", len(pending.Uploads))
	}

	// ListObjectsV2 sees exactly the two completed objects, with prefix and delimiter.
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	if want := []string{"a/b/one.json", "a/big.bin"}; !slices.Equal(keys, want) {
		t.Errorf("ListObjectsV2 keys = %q, want %q", keys, want)
	}
	dl, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("a/"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatalf("ListObjectsV2 with delimiter: %v", err)
	}
	if len(dl.CommonPrefixes) != 1 || aws.ToString(dl.CommonPrefixes[0].Prefix) != "a/b/" || len(dl.Contents) != 1 || aws.ToString(dl.Contents[0].Key) != "a/big.bin" {
		t.Errorf("ListObjectsV2 prefix a/ delimiter / = prefixes %+v contents %d, want [a/b/] and a/big.bin", dl.CommonPrefixes, len(dl.Contents))
	}
}
