package notify

import (
	"bytes"
	"context"
	"fmt"

	"github.com/reboundhq/rebound/internal/jobs"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/users"
	"github.com/riverqueue/river"
)

// KindInvitation is the email inviting someone to a store's admin.
const KindInvitation = "invitation"

// InvitationEmailID is the outbox id of the invitation email of a user.
func InvitationEmailID(storeID, userID string) string {
	return EmailID(storeID, "user:"+userID, KindInvitation)
}

// InvitationData is what the invitation template sees.
type InvitationData struct {
	StoreName, Role, URL, InvitedBy string
	Days                            int
}

// QueueInvitation is users.Service's OnInvite: in the invitation's
// transaction it writes the invitation email (plain text, with the accept
// link) to the outbox and enqueues its sending (OutboxEmailArgs, unique),
// so the email exists exactly when the invitation does. Without a Mailer
// it stays in the outbox, which the admin lists. The token is in the
// email's link and nowhere else: never logged, not in the job's args.
func (n *Notifier) QueueInvitation(ctx context.Context, tx store.Tx, inv users.Invitation) error {
	u := inv.User
	if inv.URL == "" {
		return fmt.Errorf("invitation email of %s: no accept link", u.ID)
	}
	m, err := tx.GetStore(ctx, u.StoreID)
	if err != nil {
		return fmt.Errorf("invitation email of %s: %w", u.ID, err)
	}
	d := InvitationData{StoreName: m.Name, Role: u.Role, URL: inv.URL, InvitedBy: inv.InvitedBy, Days: int(users.InviteTTL.Hours() / 24)}
	var b bytes.Buffer
	if err := textT.ExecuteTemplate(&b, "invitation.txt", d); err != nil {
		return fmt.Errorf("invitation email of %s: %w", u.ID, err)
	}
	e := &store.OutboxEmail{ID: InvitationEmailID(u.StoreID, u.ID), StoreID: u.StoreID, UserID: u.ID, Kind: KindInvitation,
		To: u.Email, Subject: "You are invited to " + m.Name + "'s returns", Body: b.String(), CreatedAt: tx.Now()}
	if _, err := tx.AddOutboxEmail(ctx, e); err != nil {
		return fmt.Errorf("invitation email of %s: %w", u.ID, err)
	}
	if err := tx.Enqueue(ctx, jobs.OutboxEmailArgs{StoreID: e.StoreID, EmailID: e.ID}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}); err != nil {
		return fmt.Errorf("invitation email of %s: %w", u.ID, err)
	}
	return nil
}
