package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
)

// GetPolicy returns the store's return policy (DefaultPolicy until one is
// set).
func (a *App) GetPolicy(ctx context.Context, storeID string) (returns.Policy, error) {
	return store.Read(ctx, a.Store, func(tx store.ReadTx) (returns.Policy, error) { return tx.GetPolicy(ctx, storeID) })
}

// PutPolicy validates and saves the store's return policy; it applies to
// returns created from then on. EINVALID names the first bad field.
func (a *App) PutPolicy(ctx context.Context, storeID string, p returns.Policy) (returns.Policy, error) {
	if p.WindowFrom == "" {
		p.WindowFrom = returns.WindowFromOrder
	}
	if err := p.Validate(); err != nil {
		return returns.Policy{}, err
	}
	err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.PutPolicy(ctx, storeID, p) })
	if err != nil {
		return returns.Policy{}, fmt.Errorf("put policy: %w", err)
	}
	return p, nil
}

// Return tag limits.
const (
	MaxTagNameLen = 100
	MaxReturnTags = 50 // tags on one return
)

// ListReturnTags returns the store's return tags by name.
func (a *App) ListReturnTags(ctx context.Context, storeID string) ([]*returns.ReturnTag, error) {
	return store.Read(ctx, a.Store, func(tx store.ReadTx) ([]*returns.ReturnTag, error) { return tx.ListReturnTags(ctx, storeID) })
}

func checkTagName(field, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return returns.Invalid(field, "must not be empty")
	case name != strings.TrimSpace(name):
		return returns.Invalid(field, "must not start or end with spaces")
	case len([]rune(name)) > MaxTagNameLen:
		return returns.Invalid(field, fmt.Sprintf("must be at most %d characters", MaxTagNameLen))
	}
	return nil
}

// UpsertReturnTag creates the store's tag name with the theme, or updates
// its theme, and renames it to newName when newName is set and differs (the
// rename cascades to every return). Errors: EINVALID for a bad name;
// ENOTFOUND when renaming a tag that does not exist; ECONFLICT when newName
// is taken.
func (a *App) UpsertReturnTag(ctx context.Context, storeID, name, theme, newName string) (*returns.ReturnTag, error) {
	if err := checkTagName("name", name); err != nil {
		return nil, err
	}
	if err := returns.CheckPillTheme(theme); err != nil {
		return nil, err
	}
	if newName != "" {
		if err := checkTagName("newName", newName); err != nil {
			return nil, err
		}
	}
	var out *returns.ReturnTag
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		final := name
		if newName != "" && newName != name {
			ids, err := tx.ReturnIDsWithTag(ctx, storeID, name)
			if err != nil {
				return err
			}
			if err := tx.RenameReturnTag(ctx, storeID, name, newName); err != nil {
				return err
			}
			if err := a.noteTagChange(ctx, tx, storeID, ids, fmt.Sprintf("Tag %q renamed to %q.", name, newName),
				map[string]any{"from": name, "to": newName}); err != nil {
				return err
			}
			final = newName
		}
		t := &returns.ReturnTag{StoreID: storeID, Name: final, PillTheme: theme, Source: "merchant"}
		if _, err := tx.PutReturnTag(ctx, t); err != nil {
			return err
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("upsert return tag: %w", err)
	}
	return out, nil
}

// DeleteReturnTag deletes the store's tag and strips it from every return;
// ENOTFOUND when there is none.
func (a *App) DeleteReturnTag(ctx context.Context, storeID, name string) error {
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		ids, err := tx.ReturnIDsWithTag(ctx, storeID, name)
		if err != nil {
			return err
		}
		if err := tx.DeleteReturnTag(ctx, storeID, name); err != nil {
			return err
		}
		return a.noteTagChange(ctx, tx, storeID, ids, fmt.Sprintf("Tag %q removed: the tag was deleted.", name), map[string]any{"deleted": name})
	})
	if err != nil {
		return fmt.Errorf("delete return tag: %w", err)
	}
	return nil
}

// noteTagChange records, on each of the returns a tag rename or delete
// changed, a timeline event and a return event (webhooks), in tx.
func (a *App) noteTagChange(ctx context.Context, tx store.Tx, storeID string, ids []string, msg string, data map[string]any) error {
	actor := returns.SystemActor("tags")
	for _, id := range ids {
		r, err := tx.LockReturn(ctx, storeID, id)
		if err != nil {
			return err
		}
		r.UpdatedAt = tx.Now()
		if err := tx.UpdateReturn(ctx, r); err != nil {
			return err
		}
		ev := returns.Note(r, returns.TimelineTagsChanged, actor, tx.Now(), msg, data)
		if err := a.RecordChange(ctx, tx, r, returns.EventReturnUpdated, ev); err != nil {
			return err
		}
	}
	return nil
}

// SetReturnTags replaces the tags of the store's return. Every name must be
// one of the store's tags (EINVALID names the first unknown one); ENOTFOUND
// when there is no such return.
func (a *App) SetReturnTags(ctx context.Context, actor returns.Actor, storeID, returnID string, names []string) (*ReturnResult, error) {
	if len(names) > MaxReturnTags {
		return nil, returns.Invalid("tags", fmt.Sprintf("at most %d tags", MaxReturnTags))
	}
	r, err := a.changeReturn(ctx, storeID, returnID, func(tx store.Tx, r *returns.Return) ([]returns.TimelineEvent, error) {
		var tags []string
		for i, n := range names {
			if _, err := tx.GetReturnTag(ctx, storeID, n); err != nil {
				if returns.IsNotFound(err) {
					return nil, returns.Invalid(fmt.Sprintf("tags[%d]", i), fmt.Sprintf("the store has no return tag %q; create it with PUT /v2.2/stores/%s/return-tags/{name}", n, storeID))
				}
				return nil, err
			}
			if !slices.Contains(tags, n) {
				tags = append(tags, n)
			}
		}
		if slices.Equal(tags, r.Tags) {
			return nil, nil
		}
		before := r.Tags
		r.Tags = tags
		r.UpdatedAt = tx.Now()
		return []returns.TimelineEvent{returns.Note(r, returns.TimelineTagsChanged, actor, tx.Now(), "Tags changed.",
			map[string]any{"from": before, "to": tags})}, nil
	})
	if err != nil {
		return nil, fmt.Errorf("set return tags: %w", err)
	}
	return r, nil
}

// MaxBulkReturns is the most returns one bulk import takes (Redo's limit).
const MaxBulkReturns = 100

// ImportedReturn is one row of a bulk import: a return created outside
// Rebound, with no order.
type ImportedReturn struct {
	Products            []ImportedProduct
	Customer            returns.Returner
	ExternalReferenceID string
	TrackingNumber      string
	Carrier             string
	Notes               string
	IdempotencyKey      string
	Currency            string
	ShippingAddress     *returns.Address
	// Hash identifies the row's content, for its idempotency key.
	Hash string
}

// ImportedProduct is one product of an imported return.
type ImportedProduct struct {
	ProductID    string
	Quantity     int
	SKU          string
	Barcode      string
	ProductTitle string
	VariantTitle string
	Reason       string
	Condition    string
}

// ImportResult is the outcome of one row: ReturnID, or Err.
type ImportResult struct {
	ReturnID string
	Err      error
}

// ImportReturns creates each row as its own return, open and ready for
// warehouse intake, each in its own transaction: a bad row does not stop the
// others. A row whose idempotency key was used before gives the return that
// key created (or an error when the row differs).
func (a *App) ImportReturns(ctx context.Context, actor returns.Actor, storeID string, rows []ImportedReturn) []ImportResult {
	out := make([]ImportResult, len(rows))
	for i := range rows {
		id, err := a.importReturn(ctx, actor, storeID, &rows[i])
		out[i] = ImportResult{ReturnID: id, Err: err}
	}
	return out
}

func (a *App) importReturn(ctx context.Context, actor returns.Actor, storeID string, row *ImportedReturn) (string, error) {
	var errs []error
	if len(row.Products) == 0 {
		errs = append(errs, returns.Invalid("products", "a return needs at least one product"))
	}
	for i, p := range row.Products {
		if strings.TrimSpace(p.ProductID) == "" {
			errs = append(errs, returns.Invalid(fmt.Sprintf("products[%d].productId", i), "must not be empty"))
		}
		if p.Quantity < 1 {
			errs = append(errs, returns.Invalid(fmt.Sprintf("products[%d].quantity", i), "must be at least 1"))
		}
	}
	if row.Currency != "" && !isCurrency(row.Currency) {
		errs = append(errs, returns.Invalid("currency", "must be an ISO 4217 code such as USD"))
	}
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	var id string
	err := a.Store.Update(ctx, func(tx store.Tx) error {
		id = ""
		now := tx.Now()
		key := ""
		if row.IdempotencyKey != "" {
			key = "import:" + row.IdempotencyKey
			hash, existing, err := tx.GetIdempotencyKey(ctx, storeID, key)
			switch {
			case err == nil && hash != row.Hash:
				return &returns.Error{Code: returns.EUNPROCESSABLE, Field: "idempotencyKey", Message: "this idempotencyKey was already used for a different return"}
			case err == nil:
				id = existing
				return nil
			case !returns.IsNotFound(err):
				return err
			}
		}
		r := returns.Return{StoreID: storeID, Status: returns.StatusOpen, Compensation: returns.CompensationRefund,
			ReturnDetail: returns.ReturnDetail{Type: returns.TypeReturn, Provider: returns.ProviderExternal,
				Currency: row.Currency, Customer: row.Customer, Notes: row.Notes, ExternalReferenceID: row.ExternalReferenceID,
				CreatedByName: actor.Name}}
		if row.ShippingAddress != nil {
			r.ShippingAddress = *row.ShippingAddress
		}
		if row.TrackingNumber != "" {
			r.Label = &returns.Label{TrackingNumber: row.TrackingNumber, Carrier: row.Carrier}
		}
		for _, p := range row.Products {
			title := p.ProductTitle
			if p.VariantTitle != "" {
				title = strings.TrimSpace(title + " - " + p.VariantTitle)
			}
			r.Items = append(r.Items, returns.ReturnItem{OrderLineID: p.ProductID, Quantity: p.Quantity, Reason: p.Reason,
				ItemDetail: returns.ItemDetail{ProductID: p.ProductID, SKU: p.SKU, Title: title, Condition: p.Condition}})
		}
		created, ev, err := returns.CreateReturn(r, actor, now)
		if err != nil {
			return err
		}
		ev.Message = "Return imported."
		if err := tx.CreateReturn(ctx, &created); err != nil {
			return err
		}
		if key != "" {
			if err := tx.PutIdempotencyKey(ctx, storeID, key, row.Hash, created.ID); err != nil {
				return err
			}
		}
		id = created.ID
		return a.RecordChange(ctx, tx, &created, EventReturnCreated, ev)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
