// Package users holds the merchant admin's users: one store each, a role
// (owner, agent, warehouse), an argon2id password hash
// (github.com/alexedwards/argon2id) and, until it is accepted, an
// invitation. Service is its use cases; the sessions and pages that use
// them are internal/web/admin's, the CLI cmd/rebound's "user create".
package users

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// Role is what a user may do in the admin.
type Role string

// Roles.
const (
	// RoleOwner may do everything, settings, API keys and users included.
	RoleOwner Role = "owner"
	// RoleAgent handles returns (review, approve, reject, flag, comment,
	// process) but not settings, API keys or users.
	RoleAgent Role = "agent"
	// RoleWarehouse receives and processes returns only.
	RoleWarehouse Role = "warehouse"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleOwner, RoleAgent, RoleWarehouse}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// CanManageSettings: the return policy, integrations, webhooks, API keys
// and users.
func (r Role) CanManageSettings() bool { return r == RoleOwner }

// CanReview: approve, reject, flag, re-open and comment on returns.
func (r Role) CanReview() bool { return r == RoleOwner || r == RoleAgent }

// CanBuyLabels: buy and replace return labels.
func (r Role) CanBuyLabels() bool { return r == RoleOwner || r == RoleAgent }

// CanProcess: receive and process returns (item decisions).
func (r Role) CanProcess() bool { return r.Valid() }

// Limits.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
	MaxEmailLen    = 254
	// InviteTTL is how long an invitation link works.
	InviteTTL = 7 * 24 * time.Hour
)

// Service is the users' use cases over a store.
type Service struct {
	Store store.Store
	// OnInvite, when set, runs in the transaction that creates an
	// invitation (notify.Notifier.QueueInvitation queues its email); its
	// error aborts the invitation.
	OnInvite func(ctx context.Context, tx store.Tx, inv Invitation) error
	// Params are the argon2id parameters of new hashes; nil is
	// argon2id.DefaultParams (64 MiB, 1 pass, 2 lanes: OWASP's minimum).
	// Existing hashes carry their own parameters.
	Params *argon2id.Params
}

func (s *Service) params() *argon2id.Params {
	if s.Params != nil {
		return s.Params
	}
	return argon2id.DefaultParams
}

// NormalizeEmail trims and lowercases an address; EINVALID (field email)
// when it is not one.
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > MaxEmailLen || !strings.Contains(email, "@") {
		return "", returns.Invalid("email", "Enter an email address like name@example.com.")
	}
	return email, nil
}

// CheckPassword reports a password too short or too long as EINVALID
// (field password).
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return returns.Invalid("password", fmt.Sprintf("Use at least %d characters.", MinPasswordLen))
	}
	if len(pw) > MaxPasswordLen {
		return returns.Invalid("password", fmt.Sprintf("Use at most %d bytes.", MaxPasswordLen))
	}
	return nil
}

// GeneratePassword returns a random password of 20 characters (100 bits).
func GeneratePassword() string {
	var b [13]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:20]
}

func checkRole(role Role) error {
	if !role.Valid() {
		return returns.Invalid("role", "Choose owner, agent or warehouse.")
	}
	return nil
}

// Create adds a user to the store with a password: password "" generates
// one, returned (the only time it is shown). EINVALID for a bad email, role
// or password; ECONFLICT when the email is taken; ENOTFOUND when the store
// does not exist.
func (s *Service) Create(ctx context.Context, storeID, email string, role Role, password string) (*store.User, string, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, "", err
	}
	if err := checkRole(role); err != nil {
		return nil, "", err
	}
	generated := ""
	if password == "" {
		password = GeneratePassword()
		generated = password
	} else if err := CheckPassword(password); err != nil {
		return nil, "", err
	}
	hash, err := argon2id.CreateHash(password, s.params())
	if err != nil {
		return nil, "", fmt.Errorf("hash password: %w", err)
	}
	var u *store.User
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		now := tx.Now()
		u = &store.User{ID: returns.NewID(now), StoreID: storeID, Email: email, Role: string(role), PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
		return tx.CreateUser(ctx, u)
	})
	if err != nil {
		return nil, "", err
	}
	return u, generated, nil
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// InviteInput is an invitation to make.
type InviteInput struct {
	Email string
	Role  Role
	// InvitedBy is the inviting user's email ("" when unknown), told to
	// the invitee.
	InvitedBy string
	// Link makes the invitation's accept URL from its token (nil: no URL).
	Link func(token string) string
}

// Invitation is an invitation just made, as OnInvite sees it. Token is the
// secret the invitee signs up with (only its hash is stored): never log it.
type Invitation struct {
	User      *store.User
	Token     string
	URL       string // Link(Token), or ""
	InvitedBy string
}

// Invite adds a user who sets a password through the returned token
// (AcceptInvite) within InviteTTL, and runs OnInvite in the same
// transaction. Errors as Create, and OnInvite's.
func (s *Service) Invite(ctx context.Context, storeID string, in InviteInput) (*store.User, string, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return nil, "", err
	}
	if err := checkRole(in.Role); err != nil {
		return nil, "", err
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	tok := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	var u *store.User
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		now := tx.Now()
		u = &store.User{ID: returns.NewID(now), StoreID: storeID, Email: email, Role: string(in.Role),
			InviteHash: hashToken(tok), InviteExpiresAt: now.Add(InviteTTL), CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if s.OnInvite == nil {
			return nil
		}
		inv := Invitation{User: u, Token: tok, InvitedBy: in.InvitedBy}
		if in.Link != nil {
			inv.URL = in.Link(tok)
		}
		if err := s.OnInvite(ctx, tx, inv); err != nil {
			return fmt.Errorf("invite %s: %w", email, err)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return u, tok, nil
}

// Invitation returns the user a pending, unexpired invitation token is
// for; ENOTFOUND otherwise.
func (s *Service) Invitation(ctx context.Context, token string) (*store.User, error) {
	u, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (*store.User, error) { return tx.GetUserByInvite(ctx, hashToken(token)) })
	if err != nil {
		return nil, err
	}
	if time.Now().After(u.InviteExpiresAt) {
		return nil, returns.Errorf(returns.ENOTFOUND, "this invitation has expired")
	}
	return u, nil
}

// AcceptInvite sets the invited user's password and ends the invitation.
// ENOTFOUND for an unknown, used or expired token; EINVALID for a bad
// password.
func (s *Service) AcceptInvite(ctx context.Context, token, password string) (*store.User, error) {
	if err := CheckPassword(password); err != nil {
		return nil, err
	}
	hash, err := argon2id.CreateHash(password, s.params())
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	var u *store.User
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		if u, err = tx.GetUserByInvite(ctx, hashToken(token)); err != nil {
			return err
		}
		if tx.Now().After(u.InviteExpiresAt) {
			return returns.Errorf(returns.ENOTFOUND, "this invitation has expired")
		}
		u.PasswordHash, u.InviteHash, u.InviteExpiresAt, u.UpdatedAt = hash, "", time.Time{}, tx.Now()
		return tx.UpdateUser(ctx, u)
	})
	return u, err
}

// dummyHash is checked against when the email is unknown, so that the
// time taken does not tell whether it is.
var dummyHash = sync.OnceValue(func() string {
	h, _ := argon2id.CreateHash("rebound-no-such-user", argon2id.DefaultParams)
	return h
})

// Authenticate returns the user with that email and password.
// EUNAUTHORIZED, with one message whatever was wrong, otherwise.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*store.User, error) {
	bad := returns.Errorf(returns.EUNAUTHORIZED, "The email or password is not right.")
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(password) > MaxPasswordLen {
		return nil, bad
	}
	u, err := store.Read(ctx, s.Store, func(tx store.ReadTx) (*store.User, error) { return tx.GetUserByEmail(ctx, email) })
	if err != nil && !returns.IsNotFound(err) {
		return nil, err
	}
	hash := dummyHash()
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok, _, err := argon2id.CheckHash(password, hash)
	if err != nil || !ok || u == nil || u.PasswordHash == "" {
		return nil, bad
	}
	return u, nil
}

// Get returns the store's user, or ENOTFOUND.
func (s *Service) Get(ctx context.Context, storeID, id string) (*store.User, error) {
	return store.Read(ctx, s.Store, func(tx store.ReadTx) (*store.User, error) { return tx.GetUser(ctx, storeID, id) })
}

// List returns the store's users by email.
func (s *Service) List(ctx context.Context, storeID string) ([]*store.User, error) {
	return store.Read(ctx, s.Store, func(tx store.ReadTx) ([]*store.User, error) { return tx.ListUsers(ctx, storeID) })
}

// owners counts the store's owners who can sign in.
func owners(us []*store.User) int {
	n := 0
	for _, u := range us {
		if u.Role == string(RoleOwner) && u.PasswordHash != "" {
			n++
		}
	}
	return n
}

// SetRole changes the store's user's role. ENOTFOUND; EINVALID for a bad
// role; ECONFLICT when it would leave the store without an owner.
func (s *Service) SetRole(ctx context.Context, storeID, id string, role Role) (*store.User, error) {
	if err := checkRole(role); err != nil {
		return nil, err
	}
	var u *store.User
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		us, err := tx.ListUsers(ctx, storeID)
		if err != nil {
			return err
		}
		if u, err = tx.GetUser(ctx, storeID, id); err != nil {
			return err
		}
		if u.Role == string(role) {
			return nil
		}
		if u.Role == string(RoleOwner) && u.PasswordHash != "" && owners(us) == 1 {
			return &returns.Error{Code: returns.ECONFLICT, Field: "role", Message: "The store needs at least one owner: make someone else owner first."}
		}
		u.Role, u.UpdatedAt = string(role), tx.Now()
		return tx.UpdateUser(ctx, u)
	})
	return u, err
}

// Remove deletes the store's user. ENOTFOUND; ECONFLICT for the last
// owner.
func (s *Service) Remove(ctx context.Context, storeID, id string) error {
	return s.Store.Update(ctx, func(tx store.Tx) error {
		us, err := tx.ListUsers(ctx, storeID)
		if err != nil {
			return err
		}
		u, err := tx.GetUser(ctx, storeID, id)
		if err != nil {
			return err
		}
		if u.Role == string(RoleOwner) && u.PasswordHash != "" && owners(us) == 1 {
			return returns.Errorf(returns.ECONFLICT, "The store needs at least one owner: this one cannot be removed.")
		}
		return tx.DeleteUser(ctx, storeID, id)
	})
}
