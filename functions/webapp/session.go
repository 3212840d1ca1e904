package webapp

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
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

// sessionFromRequest returns the request's session id, or a new one and
// fresh=true when the cookie is absent or malformed.
func sessionFromRequest(r *http.Request) (id string, fresh bool) {
	if c, err := r.Cookie(SessionCookie); err == nil && validSessionID(c.Value) {
		return c.Value, false
	}
	return newSessionID(), true
}

func sessionCookie(id string, ttl time.Duration, secure bool) *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookie,
		Value:    id,
		Path:     "/",
		MaxAge:   int(ttl / time.Second),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
}
