package bulkindex

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/gureum-cdk/gureum/functions/gameevents/aggregate"
)

// Document is one OpenSearch document with its ID.
type Document struct {
	ID     string
	Source json.RawMessage
}

// source is the indexed form of an aggregate.Window.
type source struct {
	Timestamp           time.Time `json:"@timestamp"`
	EventType           string    `json:"eventType"`
	Count               int64     `json:"count"`
	ScoreSum            int64     `json:"scoreSum"`
	ScoreMin            int64     `json:"scoreMin"`
	ScoreMax            int64     `json:"scoreMax"`
	ScoreAvg            float64   `json:"scoreAvg"`
	UniquePlayers       int       `json:"uniquePlayers"`
	ShardID             string    `json:"shardId"`
	FirstSequenceNumber string    `json:"firstSequenceNumber"`
	Source              string    `json:"source"`
}

// Documents turns the windows of an aggregate batch read from
// s3://bucket/key into documents.
func Documents(bucket, key string, b aggregate.Batch) ([]Document, error) {
	docs := make([]Document, 0, len(b.Windows))
	for _, w := range b.Windows {
		s := source{
			Timestamp:           w.Minute.UTC(),
			EventType:           w.EventType,
			Count:               w.Count,
			ScoreSum:            w.ScoreSum,
			ScoreMin:            w.ScoreMin,
			ScoreMax:            w.ScoreMax,
			UniquePlayers:       w.UniquePlayers,
			ShardID:             b.ShardID,
			FirstSequenceNumber: b.FirstSequenceNumber,
			Source:              "s3://" + bucket + "/" + key,
		}
		if w.Count > 0 {
			s.ScoreAvg = float64(w.ScoreSum) / float64(w.Count)
		}
		body, err := json.Marshal(s)
		if err != nil {
			return nil, err
		}
		docs = append(docs, Document{ID: DocumentID(b, w), Source: body})
	}
	return docs, nil
}

// DocumentID is the deterministic ID of a window's document: the first 160
// bits, in hex, of a SHA-256 over the batch's shard and first sequence number
// (which identify the batch) and the window's event type and minute.
func DocumentID(b aggregate.Batch, w aggregate.Window) string {
	h := sha256.New()
	for _, part := range []string{b.ShardID, b.FirstSequenceNumber, w.EventType, w.Minute.UTC().Format(time.RFC3339)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:20])
}

// actionLine is the bulk action for indexing doc into index.
func actionLine(index string, doc Document) []byte {
	type meta struct {
		Index string `json:"_index"`
		ID    string `json:"_id"`
	}
	b, _ := json.Marshal(map[string]meta{"index": {Index: index, ID: doc.ID}})
	return b
}

// entry is one document's part of a bulk body: action line, source line, and
// their newlines.
func entry(index string, doc Document) []byte {
	var buf bytes.Buffer
	buf.Write(actionLine(index, doc))
	buf.WriteByte('\n')
	// The source must be one line; json.Compact removes any newline a
	// pre-formatted source carries.
	if err := json.Compact(&buf, doc.Source); err != nil {
		buf.Write(doc.Source)
	}
	buf.WriteByte('\n')
	return buf.Bytes()
}

// Chunks splits docs into groups whose bulk bodies hold at most maxDocs
// documents and maxBytes bytes. A document whose entry alone exceeds maxBytes
// forms a group of its own.
func Chunks(index string, docs []Document, maxDocs, maxBytes int) [][]Document {
	var out [][]Document
	var cur []Document
	size := 0
	for _, d := range docs {
		n := len(entry(index, d))
		if len(cur) > 0 && (len(cur) >= maxDocs || size+n > maxBytes) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, d)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// Body is the NDJSON _bulk body indexing docs into index, newline-terminated.
func Body(index string, docs []Document) []byte {
	var buf bytes.Buffer
	for _, d := range docs {
		buf.Write(entry(index, d))
	}
	return buf.Bytes()
}
