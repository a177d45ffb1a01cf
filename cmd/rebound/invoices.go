package main

import (
	"context"
	"time"

	"github.com/reboundhq/rebound/internal/invoices"
	"github.com/reboundhq/rebound/internal/money"
)

// rebound invoices list | csv: flag parsing only; the work is
// internal/invoices'. See docs/invoices.md.

func invoicesListCmd(fs *flagSet, c *cli) func(context.Context) error {
	var f shipFlags
	f.register(fs)
	fs.require("store")
	return func(ctx context.Context) error {
		if err := f.check(fs, c, map[string]string{"store": *f.storeID}); err != nil {
			return err
		}
		st, err := f.db.open(ctx, quiet(c.log))
		if err != nil {
			return err
		}
		defer st.Close()
		list, err := (&invoices.Service{Store: st}).List(ctx, *f.storeID)
		if err != nil {
			return err
		}
		for _, v := range list {
			if err := printJSON(c.stdout, map[string]any{"id": v.ID, "period": v.Period, "status": v.Status,
				"total": money.Format(v.Total, v.Currency), "currency": v.Currency, "items": v.Count,
				"updatedAt": v.UpdatedAt.UTC().Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		return nil
	}
}

func invoicesCSVCmd(fs *flagSet, c *cli) func(context.Context) error {
	var f shipFlags
	f.register(fs)
	id := fs.String("invoice", "pending", "`INVOICE_ID`, or pending for the current month")
	fs.require("store")
	return func(ctx context.Context) error {
		if err := f.check(fs, c, map[string]string{"store": *f.storeID}); err != nil {
			return err
		}
		st, err := f.db.open(ctx, quiet(c.log))
		if err != nil {
			return err
		}
		defer st.Close()
		return (&invoices.Service{Store: st}).WriteCSV(ctx, c.stdout, *f.storeID, *id)
	}
}
