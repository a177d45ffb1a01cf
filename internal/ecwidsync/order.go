package ecwidsync

import (
	"fmt"
	"strings"

	"github.com/reboundhq/rebound/internal/ecwid"
	"github.com/reboundhq/rebound/internal/returns"
)

// ReasonOptionName is the name of the selected option that carries an
// item's return reason on the Ecwid order.
const ReasonOptionName = "Return reason"

// returnIDLabel precedes the return id in the order's comments and private
// notes; FindMirrored looks for it.
const returnIDLabel = "Rebound return ID: "

// MirrorInput is what an Ecwid order for a return is built from.
type MirrorInput struct {
	// Return is the return to mirror (required). Its items' Images are used
	// as they are: absolute URLs under the server's PublicURL.
	Return *returns.Return
	// Order is the return's original order, or nil (imported returns have
	// none). It fills in what the return lacks: the order name, item SKUs and
	// titles, the returner's e-mail and name.
	Order *returns.Order
	// MerchantName is the merchant's store name, named in the comments.
	MerchantName string
	// CustomerGroup is the integration's configured Ecwid customer group
	// name, set as the order's customerGroup.
	CustomerGroup string
}

// AddressError is returned when the return's shipping address lacks a part
// Ecwid needs. It is permanent: nothing was sent, and retrying the same
// return cannot succeed.
type AddressError struct {
	ReturnID string
	// Missing lists what is missing, in this order: "street", "city",
	// "country".
	Missing []string
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("the return's shipping address is incomplete: missing %s", strings.Join(e.Missing, ", "))
}

// InputError is returned when the input cannot describe an Ecwid order for
// another reason than the address (no return, no e-mail, no items). It is
// permanent; nothing was sent.
type InputError struct {
	Field   string // e.g. "email"
	Message string
}

func (e *InputError) Error() string { return "cannot mirror the return into Ecwid: " + e.Message }

// BuildOrder returns the Ecwid order mirroring in.Return, or an error
// without side effects. Its fields are:
//
//   - total 0, subtotal 0, paymentStatus PAID, fulfillmentStatus
//     AWAITING_PROCESSING;
//   - items: one per return item not rejected, with sku, name (the item's
//     title, else the order line's, else the SKU), quantity, price 0 and the
//     return reason (the reason label, else its code) as the selected option
//     {"name": "Return reason", "type": "CHOICE", "value": reason} (in the
//     complete form Ecwid wants when writing: valuesArray and a selection
//     without price modifier; left out when the item has no reason). No
//     productId is sent, so Ecwid changes no stock;
//   - email: the returner's, else the order customer's;
//   - shippingPerson and billingPerson: the return's shipping address, with
//     name (the address's, else the returner's, else the order
//     customer's), companyName, street (address lines joined by "\n"),
//     city, stateOrProvinceCode, postalCode, countryCode and phone (the
//     address's, else the returner's);
//   - orderComments: the merchant, the return id ("Rebound return ID: …"),
//     the original order name and the incoming tracking number;
//   - privateAdminNotes: the return id again, then per item its reason, the
//     shopper's comment, questionnaire answers and image URLs, and the
//     return's notes;
//   - customerGroup: in.CustomerGroup; affiliateId: the return's tracking
//     number (Label.TrackingNumber), absent while there is none;
//   - disableAllCustomerNotifications: true, so that Ecwid does not send the
//     shopper a confirmation for an order they did not place.
//
// The address is checked first: an empty street (both lines), city or
// country code gives an *AddressError naming exactly those. A nil return,
// no e-mail or no item to mirror gives an *InputError.
func BuildOrder(in MirrorInput) (*ecwid.NewOrder, error) {
	r := in.Return
	if r == nil {
		return nil, &InputError{Field: "return", Message: "no return given"}
	}
	if err := checkAddress(r); err != nil {
		return nil, err
	}
	email := firstNonEmpty(r.Customer.Email, orderEmail(in.Order))
	if email == "" {
		return nil, &InputError{Field: "email", Message: "the returner has no e-mail address, which Ecwid requires"}
	}
	var items []ecwid.NewOrderItem
	for i := range r.Items {
		it := &r.Items[i]
		if it.Status == returns.ItemRejected {
			continue
		}
		items = append(items, buildItem(it, orderLine(in.Order, it.OrderLineID)))
	}
	if len(items) == 0 {
		return nil, &InputError{Field: "items", Message: "the return has no item to send back"}
	}
	person := buildPerson(r, in.Order)
	billing := *person
	o := &ecwid.NewOrder{
		Email:                           email,
		Subtotal:                        0,
		Total:                           0,
		PaymentStatus:                   ecwid.PaymentPaid,
		FulfillmentStatus:               ecwid.FulfillmentAwaitingProcessing,
		CustomerGroup:                   in.CustomerGroup,
		Items:                           items,
		ShippingPerson:                  person,
		BillingPerson:                   &billing,
		OrderComments:                   orderComments(in),
		PrivateAdminNotes:               adminNotes(in),
		AffiliateID:                     trackingNumber(r),
		DisableAllCustomerNotifications: true,
	}
	return o, nil
}

func checkAddress(r *returns.Return) error {
	a := r.ShippingAddress
	var missing []string
	if street(a) == "" {
		missing = append(missing, "street")
	}
	if strings.TrimSpace(a.City) == "" {
		missing = append(missing, "city")
	}
	if strings.TrimSpace(a.CountryCode) == "" {
		missing = append(missing, "country")
	}
	if missing != nil {
		return &AddressError{ReturnID: r.ID, Missing: missing}
	}
	return nil
}

// street joins the non-empty address lines with "\n", as Ecwid's street
// holds them.
func street(a returns.Address) string {
	var lines []string
	for _, l := range []string{a.Address1, a.Address2} {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func buildPerson(r *returns.Return, o *returns.Order) *ecwid.Person {
	a := r.ShippingAddress
	name := fullName(a.FirstName, a.LastName)
	if name == "" {
		name = fullName(r.Customer.FirstName, r.Customer.LastName)
	}
	if name == "" && o != nil {
		name = fullName(o.Customer.FirstName, o.Customer.LastName)
	}
	return &ecwid.Person{
		Name:                name,
		CompanyName:         strings.TrimSpace(a.Company),
		Street:              street(a),
		City:                strings.TrimSpace(a.City),
		StateOrProvinceCode: strings.TrimSpace(a.ProvinceCode),
		PostalCode:          strings.TrimSpace(a.Zip),
		CountryCode:         strings.ToUpper(strings.TrimSpace(a.CountryCode)),
		Phone:               firstNonEmpty(a.Phone, r.Customer.Phone),
	}
}

func buildItem(it *returns.ReturnItem, line *returns.OrderLine) ecwid.NewOrderItem {
	sku := strings.TrimSpace(it.SKU)
	if sku == "" && line != nil {
		sku = strings.TrimSpace(line.SKU)
	}
	out := ecwid.NewOrderItem{
		SKU:      sku,
		Name:     itemName(it, line, sku),
		Price:    0,
		Quantity: it.Quantity,
	}
	if reason := itemReason(it); reason != "" {
		out.SelectedOptions = []ecwid.SelectedOption{ecwid.ChoiceOption(ReasonOptionName, reason)}
	}
	return out
}

func itemName(it *returns.ReturnItem, line *returns.OrderLine, sku string) string {
	if t := strings.TrimSpace(it.Title); t != "" {
		return t
	}
	if line != nil {
		if t := strings.TrimSpace(line.Title); t != "" {
			if v := strings.TrimSpace(line.VariantTitle); v != "" {
				t += " - " + v
			}
			return t
		}
	}
	if sku != "" {
		return sku
	}
	return "Returned item"
}

func itemReason(it *returns.ReturnItem) string {
	return firstNonEmpty(it.Reason, it.ReasonCode)
}

// orderComments names the merchant, the return, the original order and the
// incoming tracking number, one per line.
func orderComments(in MirrorInput) string {
	r := in.Return
	var b strings.Builder
	if m := strings.TrimSpace(in.MerchantName); m != "" {
		fmt.Fprintf(&b, "Incoming return for %s (a $0 record created by Rebound, not a sale).\n", m)
	} else {
		b.WriteString("Incoming return (a $0 record created by Rebound, not a sale).\n")
	}
	b.WriteString(returnIDLabel + r.ID + "\n")
	if name := originalOrderName(in); name != "" {
		b.WriteString("Original order: " + name + "\n")
	} else {
		b.WriteString("Original order: none\n")
	}
	if tn := trackingNumber(r); tn != "" {
		b.WriteString("Incoming tracking number: " + tn)
		if r.Label.Carrier != "" {
			b.WriteString(" (" + strings.TrimSpace(r.Label.Carrier) + ")")
		}
	} else {
		b.WriteString("Incoming tracking number: not yet available")
	}
	return b.String()
}

// adminNotes holds the shopper's answers and photos per item.
func adminNotes(in MirrorInput) string {
	r := in.Return
	var b strings.Builder
	b.WriteString(returnIDLabel + r.ID + "\n")
	n := 0
	for i := range r.Items {
		it := &r.Items[i]
		if it.Status == returns.ItemRejected {
			continue
		}
		n++
		line := orderLine(in.Order, it.OrderLineID)
		sku := firstNonEmpty(it.SKU)
		if sku == "" && line != nil {
			sku = strings.TrimSpace(line.SKU)
		}
		fmt.Fprintf(&b, "\nItem %d: %s", n, itemName(it, line, sku))
		if sku != "" {
			fmt.Fprintf(&b, " (SKU %s)", sku)
		}
		fmt.Fprintf(&b, " × %d\n", it.Quantity)
		if reason := itemReason(it); reason != "" {
			b.WriteString("Reason: " + reason + "\n")
		}
		if c := strings.TrimSpace(it.CustomerComment); c != "" {
			b.WriteString("Customer comment: " + c + "\n")
		}
		for _, q := range it.Questions {
			fmt.Fprintf(&b, "Q: %s\nA: %s\n", strings.TrimSpace(q.Question), strings.TrimSpace(q.Answer))
		}
		for _, img := range it.Images {
			if img = strings.TrimSpace(img); img != "" {
				b.WriteString("Image: " + img + "\n")
			}
		}
	}
	if notes := strings.TrimSpace(r.Notes); notes != "" {
		b.WriteString("\nReturn notes: " + notes + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func originalOrderName(in MirrorInput) string {
	name := strings.TrimSpace(in.Return.OrderName)
	if name == "" && in.Order != nil {
		name = firstNonEmpty(in.Order.Name, in.Order.ExternalID)
	}
	if name == "" {
		name = strings.TrimSpace(in.Return.OrderExternalID)
	}
	return name
}

func trackingNumber(r *returns.Return) string {
	if r.Label == nil {
		return ""
	}
	return strings.TrimSpace(r.Label.TrackingNumber)
}

func orderEmail(o *returns.Order) string {
	if o == nil {
		return ""
	}
	return o.Customer.Email
}

func orderLine(o *returns.Order, id string) *returns.OrderLine {
	if o == nil || id == "" {
		return nil
	}
	for i := range o.Lines {
		if o.Lines[i].ID == id {
			return &o.Lines[i]
		}
	}
	return nil
}

func fullName(first, last string) string {
	return strings.TrimSpace(strings.TrimSpace(first) + " " + strings.TrimSpace(last))
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// mentionsReturn reports whether text carries returnIDLabel followed by
// exactly returnID (not a longer id that starts with it).
func mentionsReturn(text, returnID string) bool {
	if returnID == "" {
		return false
	}
	needle := returnIDLabel + returnID
	for {
		i := strings.Index(text, needle)
		if i < 0 {
			return false
		}
		rest := text[i+len(needle):]
		if rest == "" || !isIDChar(rest[0]) {
			return true
		}
		text = rest
	}
}

func isIDChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_'
}
