package ecwidtest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// obj is a stored entity, kept as decoded JSON (numbers as json.Number).
type obj = map[string]any

//go:embed seed.json
var seedJSON []byte

// dateLayout is how Ecwid writes dates in responses.
const dateLayout = "2006-01-02 15:04:05 -0700"

func formatDate(sec int64) string { return time.Unix(sec, 0).UTC().Format(dateLayout) }

func (s *Server) loadSeed() {
	var seed map[string]any
	dec := json.NewDecoder(bytes.NewReader(seedJSON))
	dec.UseNumber()
	if err := dec.Decode(&seed); err != nil {
		panic("ecwidtest: bad seed.json: " + err.Error())
	}
	s.profile = seed["profile"].(obj)
	if gi, ok := s.profile["generalInfo"].(obj); ok {
		gi["storeId"] = json.Number(strconv.FormatInt(s.StoreID, 10))
	}
	if s.noSeed {
		return
	}
	for _, res := range []Resource{Categories, Products, Customers, Orders, Coupons, Promotions, Carts} {
		for _, it := range seed[string(res)].([]any) {
			o := it.(obj)
			s.complete(res, o)
			s.data[res] = append(s.data[res], o)
		}
	}
	s.recountCategories()
}

// complete fills the members Ecwid derives from others.
func (s *Server) complete(res Resource, o obj) {
	switch res {
	case Products:
		if ts, ok := intOf(o["createTimestamp"]); ok {
			o["created"] = formatDate(ts)
		}
		if ts, ok := intOf(o["updateTimestamp"]); ok {
			o["updated"] = formatDate(ts)
		}
		if _, ok := o["defaultDisplayedPrice"]; !ok {
			o["defaultDisplayedPrice"] = o["price"]
		}
		if _, ok := o["url"]; !ok {
			o["url"] = fmt.Sprintf("https://shop.example.com/%s-p%s", slug(strOf(o["name"])), idString(o["id"]))
		}
		completeCombinations(o)
	case Orders, Carts:
		if ts, ok := intOf(o["createTimestamp"]); ok {
			o["createDate"] = formatDate(ts)
		}
		if ts, ok := intOf(o["updateTimestamp"]); ok {
			o["updateDate"] = formatDate(ts)
		}
		for _, k := range []string{"billingPerson", "shippingPerson"} {
			if p, ok := o[k].(obj); ok {
				splitName(p)
			}
		}
		if res == Orders {
			o["orderNumber"] = o["internalId"]
			o["vendorOrderNumber"] = o["id"]
		}
	}
}

// completeCombinations fills what Ecwid derives on a product's variations:
// inStock (unlimited, or a quantity above 0), no quantity when unlimited,
// defaultDisplayedPrice (the variation's own price, else the product's; the
// fake has no taxes), and the product's inStock when any variation is in
// stock.
func completeCombinations(p obj) {
	cs := listOf(p["combinations"])
	some := false
	for _, c := range cs {
		c, ok := c.(obj)
		if !ok {
			continue
		}
		q, hasQ := numOf(c["quantity"])
		in := boolOf(c["unlimited"]) || (hasQ && q > 0)
		if boolOf(c["unlimited"]) {
			delete(c, "quantity")
		}
		c["inStock"] = in
		some = some || in
		if _, ok := c["defaultDisplayedPrice"]; !ok {
			if pr, ok := c["price"]; ok {
				c["defaultDisplayedPrice"] = pr
			} else {
				c["defaultDisplayedPrice"] = p["price"]
			}
		}
	}
	if some {
		p["inStock"] = true
	}
}

// splitName derives the read-only firstName/lastName from name.
func splitName(p obj) {
	name := strings.TrimSpace(strOf(p["name"]))
	if name == "" {
		return
	}
	first, last, _ := strings.Cut(name, " ")
	p["firstName"], p["lastName"] = first, strings.TrimSpace(last)
}

func slug(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), "-"))
}

// recountCategories sets productCount and enabledProductCount from the
// product list and the category tree.
func (s *Server) recountCategories() {
	enabled := map[string]bool{}
	for _, p := range s.data[Products] {
		enabled[idString(p["id"])] = boolOf(p["enabled"])
	}
	for _, c := range s.data[Categories] {
		ids := map[string]bool{}
		for _, d := range append([]obj{c}, s.descendants(idString(c["id"]))...) {
			for _, pid := range listOf(d["productIds"]) {
				ids[idString(pid)] = true
			}
		}
		n, en := 0, 0
		for id := range ids {
			n++
			if enabled[id] {
				en++
			}
		}
		c["productCount"] = json.Number(strconv.Itoa(n))
		c["enabledProductCount"] = json.Number(strconv.Itoa(en))
	}
}

// descendants returns every category below the category id (caller holds
// the lock or owns s).
func (s *Server) descendants(id string) []obj {
	var out []obj
	queue := []string{id}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range s.data[Categories] {
			if parentOf(c) == p {
				out = append(out, c)
				queue = append(queue, idString(c["id"]))
			}
		}
	}
	return out
}

func parentOf(c obj) string {
	p := idString(c["parentId"])
	if p == "" {
		return "0"
	}
	return p
}

func idKey(res Resource) string {
	if res == Carts {
		return "cartId"
	}
	return "id"
}

// find returns the index of the entity with id (orders also match their
// internal id; cart ids match case-insensitively). Caller holds s.mu.
func (s *Server) find(res Resource, id string) int {
	key := idKey(res)
	for i, o := range s.data[res] {
		v := idString(o[key])
		if v == id || (res == Carts && strings.EqualFold(v, id)) ||
			(res == Orders && idString(o["internalId"]) == id) {
			return i
		}
	}
	return -1
}

// Get returns a copy of the entity of res with id, or false.
func (s *Server) Get(res Resource, id string) (map[string]any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(res, id)
	if i < 0 {
		return nil, false
	}
	return deepCopy(s.data[res][i]).(obj), true
}

// List returns copies of all entities of res in store order.
func (s *Server) List(res Resource) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]map[string]any, len(s.data[res]))
	for i, o := range s.data[res] {
		out[i] = deepCopy(o).(obj)
	}
	return out
}

// Len returns how many entities res holds.
func (s *Server) Len(res Resource) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.data[res])
}

// Clear removes every entity of res.
func (s *Server) Clear(res Resource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[res] = nil
	if res == Products || res == Categories {
		s.recountCategories()
	}
}

// Add stores entities in res and returns their ids. Each entity is a
// map[string]any or anything that marshals to a JSON object. Missing ids
// are assigned (orders get a public id and an internal id, carts a UUID),
// and derived members (dates from timestamps, …) are filled in.
func (s *Server) Add(res Resource, entities ...any) ([]string, error) {
	objs := make([]obj, len(entities))
	for i, e := range entities {
		b, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("ecwidtest: add %s: %w", res, err)
		}
		o, err := readJSONObject(b)
		if err != nil {
			return nil, fmt.Errorf("ecwidtest: add %s: %w", res, err)
		}
		objs[i] = o
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(objs))
	now := s.clock().Unix()
	for i, o := range objs {
		s.assignID(res, o)
		for _, k := range []string{"createTimestamp", "updateTimestamp"} {
			if _, ok := o[k]; !ok && (res == Orders || res == Carts || res == Products) {
				o[k] = json.Number(strconv.FormatInt(now, 10))
			}
		}
		s.complete(res, o)
		s.data[res] = append(s.data[res], o)
		ids[i] = idString(o[idKey(res)])
	}
	if res == Products || res == Categories {
		s.recountCategories()
	}
	return ids, nil
}

// assignID gives o an id if it lacks one. Caller holds s.mu.
func (s *Server) assignID(res Resource, o obj) {
	switch res {
	case Orders:
		if idString(o["internalId"]) == "" {
			s.nextID++
			o["internalId"] = json.Number(strconv.FormatInt(s.nextID, 10))
		}
		if idString(o["id"]) == "" {
			o["id"] = s.newOrderID()
		}
	case Carts:
		if idString(o["cartId"]) == "" {
			o["cartId"] = s.newUUID()
		}
	default:
		if idString(o["id"]) == "" {
			s.nextID++
			o["id"] = json.Number(strconv.FormatInt(s.nextID, 10))
		}
	}
}

const orderIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newOrderID returns an unused five-character public order id. Ids follow
// a fixed pseudo-random sequence, so runs are reproducible.
func (s *Server) newOrderID() string {
	for {
		b := make([]byte, 5)
		for i := range b {
			b[i] = orderIDAlphabet[s.rnd.IntN(len(orderIDAlphabet))]
		}
		if s.find(Orders, string(b)) < 0 {
			return string(b)
		}
	}
}

func (s *Server) newUUID() string {
	a, b := s.rnd.Uint64(), s.rnd.Uint64()
	return strings.ToUpper(fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x",
		a>>32, (a>>16)&0xffff, a&0xfff, 0x8000|(b>>48)&0x3fff, b&0xffffffffffff))
}

// GenerateOrders adds n simple orders (one item each, e-mails
// buyer001@example.com, …, alternating PAID and AWAITING_PAYMENT) created a
// minute apart, and returns their public ids.
func (s *Server) GenerateOrders(n int) []string {
	base := s.clock().Add(-time.Duration(n) * time.Minute).Unix()
	orders := make([]any, n)
	for i := range n {
		status := "PAID"
		if i%2 == 1 {
			status = "AWAITING_PAYMENT"
		}
		price := 10 + i%7
		ts := base + int64(i)*60
		orders[i] = obj{
			"email": fmt.Sprintf("buyer%03d@example.com", i+1), "subtotal": price, "total": price, "tax": 0,
			"paymentStatus": status, "fulfillmentStatus": "AWAITING_PROCESSING", "paymentMethod": "Credit card",
			"createTimestamp": ts, "updateTimestamp": ts,
			"items": []any{obj{"id": 3000000 + i, "productId": 12345601, "sku": "TS-ORG-BLU-M", "name": "Organic Cotton Tee", "price": price, "quantity": 1}},
		}
	}
	ids, err := s.Add(Orders, orders...)
	if err != nil {
		panic(err)
	}
	return ids
}

// GenerateProducts adds n enabled, in-stock products named "Product 001",
// … with SKUs GEN-001, … and returns their ids.
func (s *Server) GenerateProducts(n int) []string {
	products := make([]any, n)
	for i := range n {
		products[i] = obj{
			"sku": fmt.Sprintf("GEN-%03d", i+1), "name": fmt.Sprintf("Product %03d", i+1),
			"price": 5 + i%20, "quantity": 10, "unlimited": false, "inStock": true, "enabled": true,
			"categoryIds": []any{},
		}
	}
	ids, err := s.Add(Products, products...)
	if err != nil {
		panic(err)
	}
	return ids
}

// Profile returns a copy of the store profile.
func (s *Server) Profile() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return deepCopy(s.profile).(obj)
}

// SetProfile replaces the store profile.
func (s *Server) SetProfile(p map[string]any) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	o, err := readJSONObject(b)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.profile = o
	return nil
}

// JSON value helpers.

func deepCopy(v any) any {
	switch t := v.(type) {
	case obj:
		m := make(obj, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		return slices.Collect(func(yield func(any) bool) {
			for _, x := range t {
				if !yield(deepCopy(x)) {
					return
				}
			}
		})
	}
	return v
}

func idString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return t.String()
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	}
	return fmt.Sprint(v)
}

func strOf(v any) string {
	s, _ := v.(string)
	return s
}

func boolOf(v any) bool {
	b, _ := v.(bool)
	return b
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func numOf(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case float64:
		return t, true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	}
	return 0, false
}

func intOf(v any) (int64, bool) {
	f, ok := numOf(v)
	return int64(f), ok
}

// path returns the value at a dotted path of nested objects.
func path(o obj, p string) any {
	var v any = o
	for part := range strings.SplitSeq(p, ".") {
		m, ok := v.(obj)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}
