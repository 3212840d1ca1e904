package webapp

import (
	"bytes"
	"context"
	"crypto/subtle"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"
)

//go:embed templates/guestbook.html
var guestbookHTML string

var guestbookTemplate = template.Must(template.New("guestbook").Parse(guestbookHTML))

// CSRF protection of POST /guestbook. The form carries a token that must
// equal the CSRF cookie's (double submit): a cross-site page can make the
// browser send the cookie but can neither read it nor set it — on HTTPS its
// __Host- prefix keeps sibling subdomains from planting one — so it cannot
// fill in the field. http.CrossOriginProtection, as on POST /counter, turns
// away cross-origin requests by their Sec-Fetch-Site or Origin header first.
// Like session ids, tokens are made by the server only: a malformed cookie
// is replaced.
const (
	csrfCookie       = "gureum_csrf"
	csrfCookieSecure = "__Host-gureum_csrf"
	csrfField        = "csrf"
)

func (h *Handler) csrfCookieName() string {
	if h.opts.InsecureCookie {
		return csrfCookie
	}
	return csrfCookieSecure
}

// csrfToken returns the request's CSRF token, issuing a new cookie when it
// has none (or a malformed one).
func (h *Handler) csrfToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(h.csrfCookieName()); err == nil && validSessionID(c.Value) {
		return c.Value
	}
	tok := newSessionID()
	http.SetCookie(w, &http.Cookie{
		Name:     h.csrfCookieName(),
		Value:    tok,
		Path:     "/",
		MaxAge:   int(h.opts.SessionTTL / time.Second),
		HttpOnly: true,
		Secure:   !h.opts.InsecureCookie,
		SameSite: http.SameSiteStrictMode,
	})
	return tok
}

// guestbookView is the template's data.
type guestbookView struct {
	StaticBase string
	Engine     string
	ServedBy   string
	Notice     string
	Problem    string
	CSRF       string
	PostKey    string
	Name       string
	Message    string
	Errors     map[string]string
	MaxName    int
	Entries    []Entry
	Listed     bool // the list was read
	Before     string
	Next       string
}

func (h *Handler) newView(w http.ResponseWriter, r *http.Request) *guestbookView {
	return &guestbookView{
		StaticBase: h.opts.StaticBaseURL,
		Engine:     h.opts.DatabaseLabel,
		ServedBy:   h.opts.InstanceID,
		CSRF:       h.csrfToken(w, r),
		PostKey:    newPostKey(),
		MaxName:    MaxNameLen,
		Errors:     map[string]string{},
	}
}

func (h *Handler) renderGuestbook(w http.ResponseWriter, status int, v *guestbookView) {
	var buf bytes.Buffer
	if err := guestbookTemplate.Execute(&buf, v); err != nil {
		h.log.Error("guestbook template", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// guestbookHeaders: pages carry a per-client CSRF token and a fresh list.
func guestbookHeaders(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Add("Vary", "Cookie")
}

// guestbookPage serves GET /guestbook[?before=cursor]: the form and one page
// of entries, newest first.
func (h *Handler) guestbookPage(w http.ResponseWriter, r *http.Request) {
	guestbookHeaders(w)
	v := h.newView(w, r)
	v.Before = r.URL.Query().Get("before")
	if r.URL.Query().Has("posted") {
		v.Notice = "Thank you: your entry is saved."
	}
	h.list(w, r, v, http.StatusOK)
}

// list reads the page of entries into v and renders it with status, or a
// 400 for a bad cursor and a 503 when the database fails.
func (h *Handler) list(w http.ResponseWriter, r *http.Request, v *guestbookView, status int) {
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.StoreTimeout)
	defer cancel()
	p, err := h.opts.Guestbook.List(ctx, v.Before, h.opts.GuestbookPageSize)
	switch {
	case errors.Is(err, ErrBadCursor):
		v.Problem, v.Before = "That page of the guestbook does not exist.", ""
		h.renderGuestbook(w, http.StatusBadRequest, v)
		return
	case err != nil:
		h.log.Error("guestbook list", "err", err)
		if v.Problem == "" {
			v.Problem = "The guestbook's database is not answering. Please try again in a moment."
		}
		h.renderGuestbook(w, http.StatusServiceUnavailable, v)
		return
	}
	v.Entries, v.Next, v.Listed = p.Entries, p.Next, true
	h.renderGuestbook(w, status, v)
}

// guestbookPost serves POST /guestbook (a form: csrf, key, name, message).
// A valid entry is stored and answered with 303 to the list (post, redirect,
// get); an invalid one re-renders the form with 400 (403 for a failed CSRF
// check); a database failure answers 503 with the form filled in again and
// the same post key, so sending it again stores the entry once.
func (h *Handler) guestbookPost(w http.ResponseWriter, r *http.Request) {
	guestbookHeaders(w)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read the form", http.StatusBadRequest)
		return
	}
	v := h.newView(w, r)
	name, message := r.PostForm.Get("name"), r.PostForm.Get("message")
	// Shown again as sent (escaped by the template) when refused; invalid
	// UTF-8 is not echoed.
	v.Name, v.Message = validUTF8OrEmpty(name), validUTF8OrEmpty(message)
	if key := r.PostForm.Get("key"); postKeyRE.MatchString(key) {
		v.PostKey = key
	}

	sent := r.PostForm.Get(csrfField)
	if c, err := r.Cookie(h.csrfCookieName()); err != nil || !validSessionID(c.Value) ||
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(sent)) != 1 {
		v.Problem = "This form has expired. Please send it again."
		h.renderGuestbook(w, http.StatusForbidden, v)
		return
	}
	if !postKeyRE.MatchString(r.PostForm.Get("key")) {
		v.Problem = "This form is incomplete. Please send it again."
		h.renderGuestbook(w, http.StatusBadRequest, v)
		return
	}

	name, message, err := ValidateEntry(name, message)
	if err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			v.Errors[fe.Field] = fe.Msg
		}
		v.Problem = "Please correct the entry."
		h.renderGuestbook(w, http.StatusBadRequest, v)
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), h.opts.StoreTimeout)
	defer cancel()
	if _, err := h.opts.Guestbook.Post(ctx, v.PostKey, name, message); err != nil {
		h.log.Error("guestbook post", "err", err)
		v.Problem = "The guestbook's database did not answer, so your entry may or may not have been saved. Sending the form again is safe: the entry is saved once."
		h.renderGuestbook(w, http.StatusServiceUnavailable, v)
		return
	}
	http.Redirect(w, r, "/guestbook?posted=1", http.StatusSeeOther)
}

func validUTF8OrEmpty(s string) string {
	if len(s) > 4*MaxMessageLen || !utf8.ValidString(s) {
		return ""
	}
	return s
}

// dbHealth is the health check's view of the database: a ping at most once
// per cacheFor, each bounded by timeout, and how long the pings have failed
// without a break.
type dbHealth struct {
	ping     func(context.Context) error
	timeout  time.Duration
	cacheFor time.Duration
	now      func() time.Time
	log      func(err error)

	mu           sync.Mutex
	checked      time.Time
	err          error
	failingSince time.Time
}

// check returns the last ping's error and for how long the pings have been
// failing (0 when the last one succeeded).
func (c *dbHealth) check(ctx context.Context) (error, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.checked.IsZero() || now.Sub(c.checked) >= c.cacheFor {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		c.err = c.ping(pctx)
		cancel()
		now = c.now()
		c.checked = now
		switch {
		case c.err == nil:
			c.failingSince = time.Time{}
		case c.failingSince.IsZero():
			c.failingSince = now
		}
		if c.err != nil && c.log != nil {
			c.log(c.err)
		}
	}
	if c.err == nil {
		return nil, 0
	}
	return c.err, now.Sub(c.failingSince)
}

// healthAnswer is /healthz's status and body: 503 when the session store
// does not answer, or when the database has not answered for DBHealthGrace
// or longer; otherwise 200, saying for how long the database has failed
// when it has. The body names no host and quotes no error: the log has them.
func (h *Handler) healthAnswer(storeErr, dbErr error, failing time.Duration) (int, string) {
	switch {
	case storeErr != nil:
		return http.StatusServiceUnavailable, "session store unreachable\n"
	case dbErr == nil:
		return http.StatusOK, "ok\n"
	case h.opts.DBHealthGrace >= 0 && failing >= h.opts.DBHealthGrace:
		return http.StatusServiceUnavailable, fmt.Sprintf("database unreachable for %s\n", failing.Round(time.Second))
	default:
		return http.StatusOK, fmt.Sprintf("ok\ndatabase unreachable for %s\n", failing.Round(time.Second))
	}
}
