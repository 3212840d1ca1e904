package webapp

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "gureum_session"

// sessionIDLen is the length of a session id: 256 random bits in lowercase hex.
const sessionIDLen = 64

// newSessionID returns a fresh session id from crypto/rand.
func newSessionID() string {
	var b [sessionIDLen / 2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails; it crashes the program instead.
	return hex.EncodeToString(b[:])
}

// validSessionID reports whether id has the exact shape newSessionID makes.
func validSessionID(id string) bool {
	if len(id) != sessionIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// sessionFromRequest returns the session id in the request's cookie, and
// false when the cookie is absent or malformed. A well-formed id is only a
// claim: the store says whether the server created it.
func sessionFromRequest(r *http.Request) (string, bool) {
	if c, err := r.Cookie(SessionCookie); err == nil && validSessionID(c.Value) {
		return c.Value, true
	}
	return "", false
}

// IdempotencyKeyHeader names the request header that makes POST /counter
// safe to repeat: requests carrying the same key increment a session once
// (draft-ietf-httpapi-idempotency-key-header).
const IdempotencyKeyHeader = "Idempotency-Key"

// maxIdempotencyKeyLen bounds an Idempotency-Key value.
const maxIdempotencyKeyLen = 128

// requestID returns the request's Idempotency-Key (a structured-field
// string, quotes optional) or, without one, a fresh random id, so that the
// store's own retries of this request never count twice.
func requestID(r *http.Request) (id string, given bool, err error) {
	v := strings.TrimSpace(r.Header.Get(IdempotencyKeyHeader))
	if v == "" {
		return "r-" + newSessionID()[:32], false, nil
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if v == "" || len(v) > maxIdempotencyKeyLen {
		return "", true, fmt.Errorf("%s must be 1-%d characters", IdempotencyKeyHeader, maxIdempotencyKeyLen)
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.:~+/=", c) >= 0) {
			return "", true, fmt.Errorf("%s may contain only letters, digits and - _ . : ~ + / =", IdempotencyKeyHeader)
		}
	}
	return "k-" + v, true, nil
}

// sessionCookie sets the session cookie for ttl; a ttl of zero or less
// deletes it.
func sessionCookie(id string, ttl time.Duration, secure bool) *http.Cookie {
	maxAge := int(ttl / time.Second)
	if maxAge <= 0 {
		maxAge = -1
	}
	return &http.Cookie{
		Name:     SessionCookie,
		Value:    id,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
}
