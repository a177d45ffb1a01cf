// Package webflow holds the connected browser story of the shopper portal
// and the merchant admin (flow_test.go): a shopper returns an item in the
// portal and gets the emails, an admin finds, approves and processes the
// return, and the shopper's status page shows what was issued. It has no
// code of its own.
package webflow
