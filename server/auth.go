package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"tarazy/store"
)

// TokenPrefix starts every API token, so that a leaked one is easy to recognise.
const TokenPrefix = "tz_"

// NewToken returns a fresh token: its public id, the secret the holder keeps, and
// the SHA-256 the store keeps instead of the secret. 32 random bytes need no slow
// password hash: nobody can guess them.
func NewToken() (id, secret string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	idb := make([]byte, 6)
	rand.Read(idb)
	return hex.EncodeToString(idb), secret, HashToken(secret)
}

// HashToken is what the store keeps of a token.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Access says who may call a route. School-bound roles (commission, publisher,
// office) reach only the school named in the route's {school}.
type Access int

const (
	Public        Access = iota // no token
	AnyRole                     // any valid token but a scanner's (it sees only its batches)
	SchoolRead                  // commission of the school, daryn, admin
	SchoolWrite                 // commission of the school, admin
	ProtocolRead                // publisher or commission of the school, daryn, admin
	ContestRead                 // commission (any school), daryn, admin: contest-wide data such as keys
	National                    // daryn, admin
	NationalWrite               // daryn, admin: contests, schools, keys
	AdminOnly                   // admin
	OfficeSchool                // office of the school, admin (the intake desk, issue 6)
	SchoolIngest                // scanner or commission of the school, admin: uploading pages
	BatchStatus                 // SchoolRead, and the school's scanner for its own batches
	Identity                    // any valid token, a scanner's too: who am I
)

func (a Access) String() string {
	return [...]string{"public", "any role", "school read", "school write", "protocol read", "contest read", "national", "national write", "admin", "office", "school ingest", "batch status", "identity"}[a]
}

// allows decides whether a token may call a route of this access for school.
func (a Access) allows(u store.User, school string) bool {
	own := school != "" && u.School == school
	switch a {
	case Public, Identity:
		return true
	case AnyRole:
		return u.Role != store.RoleScanner
	case SchoolRead:
		return u.Role == store.RoleAdmin || u.Role == store.RoleDaryn || (u.Role == store.RoleCommission && own)
	case SchoolWrite:
		return u.Role == store.RoleAdmin || (u.Role == store.RoleCommission && own)
	case ProtocolRead:
		return u.Role == store.RoleAdmin || u.Role == store.RoleDaryn || ((u.Role == store.RoleCommission || u.Role == store.RolePublisher) && own)
	case ContestRead:
		return slices.Contains([]string{store.RoleAdmin, store.RoleDaryn, store.RoleCommission}, u.Role)
	case National, NationalWrite:
		return u.Role == store.RoleAdmin || u.Role == store.RoleDaryn
	case AdminOnly:
		return u.Role == store.RoleAdmin
	case OfficeSchool:
		return u.Role == store.RoleAdmin || (u.Role == store.RoleOffice && own)
	case SchoolIngest:
		return u.Role == store.RoleAdmin || ((u.Role == store.RoleCommission || u.Role == store.RoleScanner) && own)
	case BatchStatus:
		return SchoolRead.allows(u, school) || (u.Role == store.RoleScanner && own)
	}
	return false
}

type ctxKey int

const userKey ctxKey = 0

// UserFrom returns the authenticated user of a request (zero User on public routes).
func UserFrom(ctx context.Context) store.User {
	u, _ := ctx.Value(userKey).(store.User)
	return u
}

// Actor is the request's user as the store records it.
func Actor(ctx context.Context) store.Actor {
	u := UserFrom(ctx)
	return store.Actor{Name: u.Name, Role: u.Role, School: u.School}
}

// tokenCache keeps recent token look-ups so that a busy route costs one database
// query, not two. A revoked token therefore works for at most ttl more.
type tokenCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedToken
}

type cachedToken struct {
	user    store.User
	expires time.Time
}

func (c *tokenCache) get(key string) (store.User, bool) {
	if c.ttl <= 0 {
		return store.User{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || time.Now().After(e.expires) {
		delete(c.m, key)
		return store.User{}, false
	}
	return e.user, true
}

func (c *tokenCache) put(key string, u store.User, tokenExpires *time.Time) {
	if c.ttl <= 0 {
		return
	}
	// ±20 % so that tokens cached together do not all expire together.
	exp := time.Now().Add(c.ttl*4/5 + time.Duration(mrand.Int64N(int64(c.ttl)*2/5+1)))
	if tokenExpires != nil && tokenExpires.Before(exp) {
		exp = *tokenExpires
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 10000 {
		clear(c.m)
	}
	c.m[key] = cachedToken{u, exp}
}

// authorize wraps a handler with the route's access rule: 401 without a valid token,
// 403 (and an audit entry) outside the token's role or school.
func (s *Server) authorize(a Access, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a == Public {
			h(w, r)
			return
		}
		auth := r.Header.Get("Authorization")
		secret, ok := strings.CutPrefix(auth, "Bearer ")
		if auth == "" {
			if c, err := r.Cookie(SessionCookie); err == nil {
				secret, ok = c.Value, true
				// A browser sends the cookie with any request to this site, so a
				// change also needs a header that only this site's own pages send
				// (another site's form or script cannot set it without CORS, which
				// the server never allows).
				if !safeMethod(r.Method) && r.Header.Get(CSRFHeader) == "" {
					s.writeError(w, r, store.Errorf(store.Forbidden, "a change made with the session cookie needs the %s header (the review pages send it)", CSRFHeader))
					return
				}
			}
		}
		if !ok || !strings.HasPrefix(secret, TokenPrefix) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tarazy"`)
			s.writeError(w, r, store.Errorf(store.Unauthorized, "this needs an API token: send it as 'Authorization: Bearer tz_…' (an administrator creates one with `tarazy token create`)"))
			return
		}
		hash := HashToken(strings.TrimSpace(secret))
		key := string(hash)
		u, ok := s.tokens.get(key)
		if !ok {
			tok, err := s.store.TokenByHash(r.Context(), hash)
			if err != nil {
				if store.ErrorCode(err) == store.Unauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="tarazy", error="invalid_token"`)
				}
				s.writeError(w, r, err)
				return
			}
			u = tok.User
			s.tokens.put(key, u, tok.ExpiresAt)
		}
		school := chi.URLParam(r, "school")
		if !a.allows(u, school) {
			after, _ := json.Marshal(map[string]string{"access": a.String(), "school": school})
			if err := s.store.AppendAudit(r.Context(), store.AuditEntry{Actor: u.Name, Role: u.Role, Action: "access.denied",
				Contest: chi.URLParam(r, "contest"), School: u.School, Subject: r.Method + " " + r.URL.Path, After: string(after)}); err != nil {
				s.log.Warn("audit a refused request", "err", err)
			}
			msg := "your token's role (" + u.Role + ") may not do this"
			if store.ScopedRole(u.Role) && school != "" && school != u.School {
				msg = "your token works for school " + u.School + " only"
			}
			s.writeError(w, r, store.Errorf(store.Forbidden, "%s", msg))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	}
}

// SessionCookie carries a token for browser pages (the review screen), which cannot
// put a header on an <img> request. CSRFHeader must accompany every change made with
// it.
const (
	SessionCookie = "tarazy_token"
	CSRFHeader    = "X-Tarazy-CSRF"
)

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

type sessionRequest struct {
	Token string `json:"token"`
}

// login checks a token and sets it as an HttpOnly, SameSite=Strict cookie, so that
// the review pages' images and requests carry it.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var req sessionRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	tok, err := s.startSession(w, r, req.Token)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tok.User)
	return nil
}

// startSession checks a token and sets the session cookie for it.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, secret string) (store.Token, error) {
	secret = strings.TrimSpace(secret)
	tok, err := s.store.TokenByHash(r.Context(), HashToken(secret))
	if err != nil {
		return tok, err
	}
	c := &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"}
	if tok.ExpiresAt != nil {
		c.Expires = *tok.ExpiresAt
	}
	http.SetCookie(w, c)
	return tok, nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	w.WriteHeader(http.StatusNoContent)
}
