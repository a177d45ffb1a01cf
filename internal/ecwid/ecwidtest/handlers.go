package ecwidtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// badParam is a 400 WRONG_PARAMETER answer.
type badParam string

func (e badParam) Error() string { return string(e) }

func wrongValue(name, value, want string) badParam {
	return badParam(fmt.Sprintf("Wrong parameter '%s' value '%s': expected %s", name, value, want))
}

// notFound returns the 404 code and message for res.
func notFound(res Resource, id string) (string, string) {
	switch res {
	case Products:
		return "PRODUCT_NOT_FOUND", "Product #" + id + " not found"
	case Orders:
		return "ORDER_NOT_FOUND", "Order #" + id + " not found"
	case Categories:
		return "CATEGORIES_NOT_FOUND", "Category #" + id + " not found"
	case Coupons:
		return "DISCOUNT_COUPON_NOT_FOUND", "Coupon is not found"
	case Carts:
		return "CHECKOUT_NOT_FOUND", "Abandoned cart " + id + " not found"
	case Customers:
		return "", "Customer #" + id + " not found"
	}
	return "", "Not found"
}

// getOne serves GET /{res}/{id}.
func (s *Server) getOne(res Resource) handlerFunc {
	return func(w http.ResponseWriter, q url.Values, id string, _ []byte) {
		if res != Orders && res != Carts {
			if _, err := strconv.ParseInt(id, 10, 64); err != nil {
				writeError(w, http.StatusBadRequest, "WRONG_PARAMETER", fmt.Sprintf("Wrong %s id '%s': expected a number", strings.TrimSuffix(string(res), "s"), id))
				return
			}
		}
		fields, err := fieldsParam(q)
		if err != nil {
			writeError(w, http.StatusBadRequest, "WRONG_PARAMETER", err.Error())
			return
		}
		s.mu.Lock()
		i := s.find(res, id)
		var o obj
		if i >= 0 {
			o = deepCopy(s.data[res][i]).(obj)
		}
		s.mu.Unlock()
		if o == nil {
			code, msg := notFound(res, id)
			writeError(w, http.StatusNotFound, code, msg)
			return
		}
		if res == Categories && !isTrue(q.Get("productIds")) {
			delete(o, "productIds")
			delete(o, "enabledProductCount")
		}
		var out any = o
		if fields != nil {
			out = project(o, fields)
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// getCombinations serves GET /products/{id}/combinations: the product's
// variations as a plain JSON array (no search envelope), each projected by
// responseFields.
func (s *Server) getCombinations(w http.ResponseWriter, q url.Values, id string, _ []byte) {
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		writeError(w, http.StatusBadRequest, "WRONG_PARAMETER", fmt.Sprintf("Wrong product id '%s': expected a number", id))
		return
	}
	fields, err := fieldsParam(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "WRONG_PARAMETER", err.Error())
		return
	}
	s.mu.Lock()
	i := s.find(Products, id)
	var cs []any
	if i >= 0 {
		cs, _ = deepCopy(s.data[Products][i]["combinations"]).([]any)
	}
	s.mu.Unlock()
	if i < 0 {
		code, msg := notFound(Products, id)
		writeError(w, http.StatusNotFound, code, msg)
		return
	}
	var out any = append([]any{}, cs...)
	if fields != nil {
		out = project(out, fields)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getProfile(w http.ResponseWriter, q url.Values, _ string, _ []byte) {
	fields, err := fieldsParam(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, "WRONG_PARAMETER", err.Error())
		return
	}
	var out any = s.Profile()
	if fields != nil {
		out = project(out, fields)
	}
	writeJSON(w, http.StatusOK, out)
}

func fieldsParam(q url.Values) (fieldTree, error) {
	v := q.Get("responseFields")
	if v == "" {
		return nil, nil
	}
	t, err := parseFields(v)
	if err != nil {
		return nil, badParam("Wrong parameter 'responseFields' value: " + err.Error())
	}
	return t, nil
}

// searchHandler serves GET /{res}: filter, sort, page, project.
func (s *Server) searchHandler(res Resource) handlerFunc {
	return func(w http.ResponseWriter, q url.Values, _ string, _ []byte) {
		out, err := s.search(res, q)
		if err != nil {
			writeError(w, http.StatusBadRequest, "WRONG_PARAMETER", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) search(res Resource, q url.Values) (any, error) {
	f := &filters{q: q}
	defaultLimit := 100
	if res == Carts {
		defaultLimit = 10
	}
	offset := f.intParam("offset", 0)
	limit := f.intParam("limit", defaultLimit)
	fields, err := fieldsParam(q)
	if err != nil {
		return nil, err
	}
	if f.err != nil {
		return nil, f.err
	}
	if offset < 0 {
		return nil, wrongValue("offset", q.Get("offset"), "a non-negative number")
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var less func(a, b obj) int
	switch res {
	case Products:
		less = s.productFilters(f)
	case Orders:
		orderFilters(f)
	case Customers:
		less = customerFilters(f)
	case Categories:
		s.categoryFilters(f)
	case Coupons:
		couponFilters(f)
	case Carts:
		cartFilters(f)
	case Promotions:
		offset, limit = 0, 100
	}
	if f.err != nil {
		return nil, f.err
	}
	var match []obj
	for _, o := range s.data[res] {
		if f.match(o) {
			match = append(match, o)
		}
	}
	if less != nil {
		slices.SortStableFunc(match, less)
	}
	total := len(match)
	start := min(offset, total)
	page := match[start:min(start+limit, total)]
	items := make([]any, len(page))
	for i, o := range page {
		c := deepCopy(o).(obj)
		if res == Categories && !isTrue(q.Get("productIds")) {
			delete(c, "productIds")
			delete(c, "enabledProductCount")
		}
		items[i] = c
	}
	env := obj{
		"total": total, "count": len(items), "offset": offset, "limit": limit, "items": items,
	}
	if res == Customers {
		env["allCustomerCount"] = len(s.data[Customers])
	}
	if fields != nil {
		return project(env, fields), nil
	}
	return env, nil
}

// filters collects predicates parsed from a query; the first parse error
// wins.
type filters struct {
	q     url.Values
	preds []func(obj) bool
	err   error
}

func (f *filters) add(p func(obj) bool) { f.preds = append(f.preds, p) }

func (f *filters) match(o obj) bool {
	for _, p := range f.preds {
		if !p(o) {
			return false
		}
	}
	return true
}

func (f *filters) fail(err error) {
	if f.err == nil {
		f.err = err
	}
}

func (f *filters) intParam(name string, def int) int {
	v := f.q.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.fail(wrongValue(name, v, "a number"))
		return def
	}
	return n
}

// str adds a predicate for a non-empty string parameter.
func (f *filters) str(name string, p func(o obj, v string) bool) {
	if v := f.q.Get(name); v != "" {
		f.add(func(o obj) bool { return p(o, v) })
	}
}

// list adds a predicate for a comma-separated parameter.
func (f *filters) list(name string, p func(o obj, vs []string) bool) {
	v := f.q.Get(name)
	if v == "" {
		return
	}
	var vs []string
	for x := range strings.SplitSeq(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			vs = append(vs, x)
		}
	}
	f.add(func(o obj) bool { return p(o, vs) })
}

func (f *filters) num(name string, p func(o obj, v float64) bool) {
	v := f.q.Get(name)
	if v == "" {
		return
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		f.fail(wrongValue(name, v, "a number"))
		return
	}
	f.add(func(o obj) bool { return p(o, n) })
}

func (f *filters) boolean(name string, p func(o obj, v bool) bool) {
	v := f.q.Get(name)
	if v == "" {
		return
	}
	b, ok := parseBool(v)
	if !ok {
		f.fail(wrongValue(name, v, "one of 'true', 'false', 'yes', 'no', 'on', 'off', '1', '0'"))
		return
	}
	f.add(func(o obj) bool { return p(o, b) })
}

// dateRange adds the From/To bounds of a date parameter pair, comparing
// against the entity's time as UNIX seconds.
func (f *filters) dateRange(from, to string, at func(o obj) (int64, bool)) {
	for _, name := range []string{from, to} {
		v := f.q.Get(name)
		if v == "" {
			continue
		}
		t, ok := parseDate(v)
		if !ok {
			f.fail(wrongValue(name, v, "a UNIX timestamp or a date like '2023-01-15 19:27:50'"))
			return
		}
		isFrom := name == from
		f.add(func(o obj) bool {
			sec, ok := at(o)
			if !ok {
				return false
			}
			if isFrom {
				return sec >= t
			}
			return sec <= t
		})
	}
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0":
		return false, true
	}
	return false, false
}

func isTrue(v string) bool {
	b, _ := parseBool(v)
	return b
}

// parseDate reads the date forms Ecwid accepts in filters: UNIX seconds,
// "2006-01-02 15:04:05" (taken as UTC), the same with a zone offset, or a
// bare date.
func parseDate(v string) (int64, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true
	}
	for _, layout := range []string{dateLayout, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Unix(), true
		}
	}
	return 0, false
}

func timestampOf(key string) func(o obj) (int64, bool) {
	return func(o obj) (int64, bool) { return intOf(o[key]) }
}

func dateOf(key string) func(o obj) (int64, bool) {
	return func(o obj) (int64, bool) { return parseDate(strOf(o[key])) }
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func inList(v any, vs []string) bool {
	s := idString(v)
	return slices.ContainsFunc(vs, func(x string) bool { return strings.EqualFold(x, s) })
}

func anyItem(o obj, key string, p func(it obj) bool) bool {
	for _, it := range listOf(o[key]) {
		if m, ok := it.(obj); ok && p(m) {
			return true
		}
	}
	return false
}

func numCmp(key string) func(o obj, v float64) float64 {
	return func(o obj, v float64) float64 { n, _ := numOf(path(o, key)); return n - v }
}

func (s *Server) productFilters(f *filters) func(a, b obj) int {
	q := f.q
	if ids := q.Get("productId"); ids != "" {
		f.list("productId", func(o obj, vs []string) bool { return inList(o["id"], vs) })
		return nil // other parameters are ignored
	}
	if sku := q.Get("sku"); sku != "" {
		f.add(func(o obj) bool {
			return strOf(o["sku"]) == sku || anyItem(o, "combinations", func(c obj) bool { return strOf(c["sku"]) == sku })
		})
		return nil
	}
	f.str("keyword", func(o obj, v string) bool {
		v = strings.TrimSuffix(v, "*")
		return containsFold(strOf(o["name"]), v) || containsFold(strOf(o["description"]), v) ||
			containsFold(strOf(o["sku"]), v) ||
			anyItem(o, "combinations", func(c obj) bool { return containsFold(strOf(c["sku"]), v) })
	})
	inCategories := func(o obj, cats []string) bool {
		ids := listOf(o["categoryIds"])
		if len(ids) == 0 && slices.Contains(cats, "0") {
			return true
		}
		return slices.ContainsFunc(ids, func(c any) bool { return slices.Contains(cats, idString(c)) })
	}
	withSub := isTrue(q.Get("includeProductsFromSubcategories"))
	expand := func(cats []string) []string {
		if !withSub {
			return cats
		}
		out := slices.Clone(cats)
		for _, c := range cats {
			for _, d := range s.descendants(c) {
				out = append(out, idString(d["id"]))
			}
		}
		return out
	}
	if c := q.Get("category"); c != "" {
		if _, err := strconv.ParseInt(c, 10, 64); err != nil {
			f.fail(wrongValue("category", c, "a number"))
		}
		cats := expand([]string{c})
		f.add(func(o obj) bool { return inCategories(o, cats) })
	}
	f.list("categories", func(o obj, vs []string) bool { return inCategories(o, expand(vs)) })
	f.num("priceFrom", func(o obj, v float64) bool { return numCmp("price")(o, v) >= 0 })
	f.num("priceTo", func(o obj, v float64) bool { return numCmp("price")(o, v) <= 0 })
	f.dateRange("createdFrom", "createdTo", timestampOf("createTimestamp"))
	f.dateRange("updatedFrom", "updatedTo", timestampOf("updateTimestamp"))
	f.boolean("enabled", func(o obj, v bool) bool { return boolOf(o["enabled"]) == v })
	f.boolean("inStock", func(o obj, v bool) bool { return boolOf(o["inStock"]) == v })

	byNum := func(key string, desc bool) func(a, b obj) int {
		return func(a, b obj) int {
			x, _ := numOf(a[key])
			y, _ := numOf(b[key])
			if desc {
				return cmp.Compare(y, x)
			}
			return cmp.Compare(x, y)
		}
	}
	switch v := q.Get("sortBy"); v {
	case "", "RELEVANCE", "DEFINED_BY_STORE_OWNER":
		return nil
	case "NAME_ASC":
		return func(a, b obj) int { return strings.Compare(strOf(a["name"]), strOf(b["name"])) }
	case "NAME_DESC":
		return func(a, b obj) int { return strings.Compare(strOf(b["name"]), strOf(a["name"])) }
	case "PRICE_ASC", "PRICE_DESC":
		return byNum("price", v == "PRICE_DESC")
	case "ADDED_TIME_ASC", "ADDED_TIME_DESC":
		return byNum("createTimestamp", v == "ADDED_TIME_DESC")
	case "UPDATED_TIME_ASC", "UPDATED_TIME_DESC":
		return byNum("updateTimestamp", v == "UPDATED_TIME_DESC")
	default:
		f.fail(wrongValue("sortBy", v, "a supported sort order"))
		return nil
	}
}

var (
	paymentStatuses = []string{"AWAITING_PAYMENT", "PAID", "CANCELLED", "REFUNDED", "PARTIALLY_REFUNDED", "INCOMPLETE",
		"CUSTOM_PAYMENT_STATUS_1", "CUSTOM_PAYMENT_STATUS_2", "CUSTOM_PAYMENT_STATUS_3"}
	fulfillmentStatuses = []string{"AWAITING_PROCESSING", "PROCESSING", "SHIPPED", "DELIVERED", "WILL_NOT_DELIVER", "RETURNED",
		"READY_FOR_PICKUP", "OUT_FOR_DELIVERY", "CUSTOM_FULFILLMENT_STATUS_1", "CUSTOM_FULFILLMENT_STATUS_2", "CUSTOM_FULFILLMENT_STATUS_3"}
)

func personText(o obj) string {
	var b strings.Builder
	for _, k := range []string{"billingPerson", "shippingPerson"} {
		if p, ok := o[k].(obj); ok {
			for _, v := range p {
				if s, ok := v.(string); ok {
					b.WriteString(s + "\n")
				}
			}
		}
	}
	return b.String()
}

func orderFilters(f *filters) {
	for _, p := range []struct {
		name  string
		valid []string
	}{{"paymentStatus", paymentStatuses}, {"fulfillmentStatus", fulfillmentStatuses}} {
		for v := range strings.SplitSeq(f.q.Get(p.name), ",") {
			if v = strings.TrimSpace(v); v != "" && !slices.Contains(p.valid, v) {
				f.fail(wrongValue(p.name, v, "one of "+strings.Join(p.valid, ", ")))
			}
		}
	}
	f.list("ids", func(o obj, vs []string) bool { return inList(o["id"], vs) || inList(o["internalId"], vs) })
	f.str("keywords", func(o obj, v string) bool {
		if containsFold(idString(o["id"]), v) || containsFold(strOf(o["email"]), v) ||
			containsFold(strOf(o["externalTransactionId"]), v) || containsFold(strOf(o["trackingNumber"]), v) ||
			containsFold(strOf(o["privateAdminNotes"]), v) || containsFold(strOf(o["orderComments"]), v) ||
			containsFold(personText(o), v) {
			return true
		}
		return anyItem(o, "items", func(it obj) bool {
			return containsFold(strOf(it["sku"]), v) || containsFold(strOf(it["name"]), v) ||
				anyItem(it, "selectedOptions", func(so obj) bool { return containsFold(strOf(so["value"]), v) })
		})
	})
	f.str("email", func(o obj, v string) bool { return strings.EqualFold(strOf(o["email"]), v) })
	f.str("customerId", func(o obj, v string) bool { return idString(o["customerId"]) == v })
	f.str("customer", func(o obj, v string) bool {
		return containsFold(strOf(o["email"]), v) || containsFold(strOf(path(o, "billingPerson.name")), v)
	})
	f.list("productId", func(o obj, vs []string) bool {
		return anyItem(o, "items", func(it obj) bool { return inList(it["productId"], vs) })
	})
	f.num("totalFrom", func(o obj, v float64) bool { return numCmp("total")(o, v) >= 0 })
	f.num("totalTo", func(o obj, v float64) bool { return numCmp("total")(o, v) <= 0 })
	f.dateRange("createdFrom", "createdTo", timestampOf("createTimestamp"))
	f.dateRange("updatedFrom", "updatedTo", timestampOf("updateTimestamp"))
	f.dateRange("pickupTimeFrom", "pickupTimeTo", dateOf("pickupTime"))
	f.list("paymentStatus", func(o obj, vs []string) bool { return inList(o["paymentStatus"], vs) })
	f.list("fulfillmentStatus", func(o obj, vs []string) bool { return inList(o["fulfillmentStatus"], vs) })
	f.str("paymentMethod", func(o obj, v string) bool { return containsFold(strOf(o["paymentMethod"]), v) })
	f.str("paymentModule", func(o obj, v string) bool { return strings.EqualFold(strOf(o["paymentModule"]), v) })
	f.str("shippingMethod", func(o obj, v string) bool {
		return containsFold(strOf(path(o, "shippingOption.shippingMethodName")), v)
	})
	f.str("couponCode", func(o obj, v string) bool { return strings.EqualFold(strOf(path(o, "discountCoupon.code")), v) })
	f.boolean("acceptMarketing", func(o obj, v bool) bool { return boolOf(o["acceptMarketing"]) == v })
	f.str("refererId", func(o obj, v string) bool { return idString(o["refererId"]) == v })
}

func customerFilters(f *filters) func(a, b obj) int {
	exact := isTrue(f.q.Get("useExactEmailMatch"))
	f.str("keyword", func(o obj, v string) bool {
		return containsFold(strOf(o["name"]), v) || containsFold(strOf(o["email"]), v)
	})
	f.str("name", func(o obj, v string) bool { return containsFold(strOf(path(o, "billingPerson.name")), v) })
	f.str("email", func(o obj, v string) bool {
		if exact {
			return strings.EqualFold(strOf(o["email"]), v)
		}
		return containsFold(strOf(o["email"]), v)
	})
	addrs := func(o obj) []obj {
		var out []obj
		if b, ok := o["billingPerson"].(obj); ok {
			out = append(out, b)
		}
		for _, a := range listOf(o["shippingAddresses"]) {
			if m, ok := a.(obj); ok {
				out = append(out, m)
			}
		}
		return out
	}
	addrField := func(name, key string, exactMatch bool) {
		f.str(name, func(o obj, v string) bool {
			return slices.ContainsFunc(addrs(o), func(a obj) bool {
				if exactMatch {
					return strings.EqualFold(strOf(a[key]), v)
				}
				return containsFold(strOf(a[key]), v)
			})
		})
	}
	addrField("phone", "phone", false)
	addrField("city", "city", false)
	addrField("postalCode", "postalCode", false)
	addrField("stateOrProvinceCode", "stateOrProvinceCode", true)
	addrField("companyName", "companyName", false)
	f.list("countryCodes", func(o obj, vs []string) bool {
		return slices.ContainsFunc(addrs(o), func(a obj) bool { return inList(a["countryCode"], vs) })
	})
	f.boolean("acceptMarketing", func(o obj, v bool) bool { return boolOf(o["acceptMarketing"]) == v })
	f.list("customerGroupIds", func(o obj, vs []string) bool { return inList(o["customerGroupId"], vs) })
	f.num("minOrderCount", func(o obj, v float64) bool { return numCmp("totalOrderCount")(o, v) >= 0 })
	f.num("maxOrderCount", func(o obj, v float64) bool { return numCmp("totalOrderCount")(o, v) <= 0 })
	f.num("minSalesValue", func(o obj, v float64) bool { return numCmp("stats.salesValue")(o, v) >= 0 })
	f.num("maxSalesValue", func(o obj, v float64) bool { return numCmp("stats.salesValue")(o, v) <= 0 })
	f.dateRange("createdFrom", "createdTo", dateOf("registered"))
	f.dateRange("updatedFrom", "updatedTo", dateOf("updated"))

	byStr := func(key string, desc bool) func(a, b obj) int {
		return func(a, b obj) int {
			x, y := strings.ToLower(strOf(path(a, key))), strings.ToLower(strOf(path(b, key)))
			if desc {
				x, y = y, x
			}
			return strings.Compare(x, y)
		}
	}
	byNum := func(key string, desc bool) func(a, b obj) int {
		return func(a, b obj) int {
			x, _ := numOf(path(a, key))
			y, _ := numOf(path(b, key))
			if desc {
				x, y = y, x
			}
			return cmp.Compare(x, y)
		}
	}
	byDate := func(key string, desc bool) func(a, b obj) int {
		return func(a, b obj) int {
			x, _ := parseDate(strOf(a[key]))
			y, _ := parseDate(strOf(b[key]))
			if desc {
				x, y = y, x
			}
			return cmp.Compare(x, y)
		}
	}
	switch v := f.q.Get("sortBy"); v {
	case "":
		return nil
	case "NAME_ASC", "NAME_DESC":
		return byStr("name", v == "NAME_DESC")
	case "EMAIL_ASC", "EMAIL_DESC":
		return byStr("email", v == "EMAIL_DESC")
	case "ORDER_COUNT_ASC", "ORDER_COUNT_DESC":
		return byNum("totalOrderCount", v == "ORDER_COUNT_DESC")
	case "SALES_VALUE_ASC", "SALES_VALUE_DESC":
		return byNum("stats.salesValue", v == "SALES_VALUE_DESC")
	case "REGISTERED_DATE_ASC", "REGISTERED_DATE_DESC":
		return byDate("registered", v == "REGISTERED_DATE_DESC")
	case "UPDATED_DATE_ASC", "UPDATED_DATE_DESC":
		return byDate("updated", v == "UPDATED_DATE_DESC")
	default:
		f.fail(wrongValue("sortBy", v, "a supported sort order"))
		return nil
	}
}

func (s *Server) categoryFilters(f *filters) {
	q := f.q
	if !isTrue(q.Get("hidden_categories")) {
		f.add(func(o obj) bool { return boolOf(o["enabled"]) })
	}
	f.str("keyword", func(o obj, v string) bool {
		return containsFold(strOf(o["name"]), v) || containsFold(strOf(o["description"]), v)
	})
	if p := q.Get("parent"); p != "" {
		if _, err := strconv.ParseInt(p, 10, 64); err != nil {
			f.fail(wrongValue("parent", p, "a number"))
			return
		}
		if isTrue(q.Get("withSubcategories")) {
			ids := map[string]bool{}
			for _, d := range s.descendants(p) {
				ids[idString(d["id"])] = true
			}
			f.add(func(o obj) bool { return ids[idString(o["id"])] })
		} else {
			f.add(func(o obj) bool { return parentOf(o) == p })
		}
	}
	if v := q.Get("parentIds"); v != "" {
		ids := map[string]bool{}
		for p := range strings.SplitSeq(v, ",") {
			for _, d := range s.descendants(strings.TrimSpace(p)) {
				ids[idString(d["id"])] = true
			}
		}
		f.add(func(o obj) bool { return ids[idString(o["id"])] })
	}
}

func couponFilters(f *filters) {
	f.str("code", func(o obj, v string) bool { return strings.EqualFold(strOf(o["code"]), v) })
	f.list("discount_type", func(o obj, vs []string) bool { return inList(o["discountType"], vs) })
	f.list("availability", func(o obj, vs []string) bool { return inList(o["status"], vs) })
	f.dateRange("createdFrom", "createdTo", dateOf("creationDate"))
	f.dateRange("updatedFrom", "updatedTo", dateOf("updateDate"))
}

func cartFilters(f *filters) {
	f.boolean("showHidden", func(o obj, v bool) bool { return v || !boolOf(o["hidden"]) })
	f.num("totalFrom", func(o obj, v float64) bool { return numCmp("total")(o, v) >= 0 })
	f.num("totalTo", func(o obj, v float64) bool { return numCmp("total")(o, v) <= 0 })
	f.dateRange("createdFrom", "createdTo", timestampOf("createTimestamp"))
	f.dateRange("updatedFrom", "updatedTo", timestampOf("updateTimestamp"))
	f.str("email", func(o obj, v string) bool { return strings.EqualFold(strOf(o["email"]), v) })
	f.str("customerId", func(o obj, v string) bool { return idString(o["customerId"]) == v })
}

// createOrder serves POST /orders.
func (s *Server) createOrder(w http.ResponseWriter, _ url.Values, _ string, body []byte) {
	o, err := readJSONObject(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "WRONG_PARAMETER", "Request body is not a valid order: "+err.Error())
		return
	}
	for _, k := range []string{"subtotal", "total", "email", "paymentStatus", "fulfillmentStatus"} {
		if _, ok := o[k]; !ok {
			writeError(w, http.StatusBadRequest, "WRONG_PARAMETER", "Field Order."+k+" is absent")
			return
		}
	}
	if err := validateOrder(o); err != nil {
		writeError(w, http.StatusBadRequest, "WRONG_PARAMETER", err.Error())
		return
	}
	s.mu.Lock()
	delete(o, "id")
	delete(o, "internalId")
	s.assignID(Orders, o)
	now := s.clock().Unix()
	created := now
	if cd := strOf(o["createDate"]); cd != "" {
		if t, ok := parseDate(cd); ok {
			created = t
		}
	}
	o["createTimestamp"] = json.Number(strconv.FormatInt(created, 10))
	o["updateTimestamp"] = json.Number(strconv.FormatInt(now, 10))
	for i, it := range listOf(o["items"]) {
		if m, ok := it.(obj); ok && idString(m["id"]) == "" {
			m["id"] = json.Number(strconv.FormatInt(s.nextID*10+int64(i), 10))
		}
	}
	s.linkCustomer(o)
	s.complete(Orders, o)
	s.data[Orders] = append(s.data[Orders], o)
	key := s.orderIDKey
	resp := obj{"id": o["internalId"], key: o["id"]}
	data := WebhookData{OrderID: idString(o["id"]), NewPaymentStatus: strOf(o["paymentStatus"]), NewFulfillmentStatus: strOf(o["fulfillmentStatus"])}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
	s.emitOrderEvent(EventOrderCreated, resp["id"], data)
}

// linkCustomer mimics Ecwid's side effect for PAID orders: the customer
// with the order's e-mail (created if unknown) gets the order. Caller holds
// s.mu.
func (s *Server) linkCustomer(o obj) {
	if strOf(o["paymentStatus"]) != "PAID" || strOf(o["email"]) == "" {
		return
	}
	cid := idString(o["customerId"])
	var cust obj
	for _, c := range s.data[Customers] {
		if (cid != "" && cid != "0" && idString(c["id"]) == cid) || strings.EqualFold(strOf(c["email"]), strOf(o["email"])) {
			cust = c
			break
		}
	}
	if cust == nil {
		name := strOf(path(o, "billingPerson.name"))
		if name == "" {
			name = strOf(path(o, "shippingPerson.name"))
		}
		now := formatDate(s.clock().Unix())
		cust = obj{
			"email": o["email"], "name": name, "totalOrderCount": json.Number("0"),
			"registered": now, "updated": now, "customerGroupId": json.Number("0"), "customerGroupName": "General",
			"taxExempt": false, "acceptMarketing": false,
		}
		if bp, ok := o["billingPerson"].(obj); ok {
			cust["billingPerson"] = deepCopy(bp)
		}
		s.assignID(Customers, cust)
		s.data[Customers] = append(s.data[Customers], cust)
	}
	n, _ := intOf(cust["totalOrderCount"])
	cust["totalOrderCount"] = json.Number(strconv.FormatInt(n+1, 10))
	o["customerId"] = cust["id"]
}

func validateOrder(o obj) error {
	if v, ok := o["paymentStatus"]; ok && !slices.Contains(paymentStatuses, strOf(v)) {
		return fmt.Errorf("Wrong paymentStatus '%v': expected one of %s", v, strings.Join(paymentStatuses, ", "))
	}
	if v, ok := o["fulfillmentStatus"]; ok && !slices.Contains(fulfillmentStatuses, strOf(v)) {
		return fmt.Errorf("Wrong fulfillmentStatus '%v': expected one of %s", v, strings.Join(fulfillmentStatuses, ", "))
	}
	if v, ok := o["items"]; ok {
		items, ok := v.([]any)
		if !ok {
			return fmt.Errorf("Field Order.items must be an array")
		}
		for _, it := range items {
			m, ok := it.(obj)
			if !ok {
				return fmt.Errorf("Field Order.items must hold objects")
			}
			if _, ok := m["quantity"]; !ok {
				return fmt.Errorf("Field OrderItem.quantity is absent")
			}
			for _, so := range listOf(m["selectedOptions"]) {
				if sm, ok := so.(obj); !ok || strOf(sm["name"]) == "" {
					return fmt.Errorf("Field OrderItemOption.name is absent")
				}
			}
		}
	}
	for _, k := range []string{"email", "orderComments", "privateAdminNotes", "affiliateId", "customerGroup"} {
		if v, ok := o[k]; ok && v != nil {
			if _, isStr := v.(string); !isStr {
				return fmt.Errorf("Field Order.%s must be a string", k)
			}
		}
	}
	return nil
}

// updateOrder serves PUT /orders/{id}: members sent replace stored ones;
// items, when sent, replace the whole list.
func (s *Server) updateOrder(w http.ResponseWriter, _ url.Values, id string, body []byte) {
	u, err := readJSONObject(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "WRONG_PARAMETER", "Request body is not a valid order: "+err.Error())
		return
	}
	if err := validateOrder(u); err != nil {
		writeError(w, http.StatusBadRequest, "WRONG_PARAMETER", err.Error())
		return
	}
	s.mu.Lock()
	i := s.find(Orders, id)
	if i < 0 {
		s.mu.Unlock()
		code, msg := notFound(Orders, id)
		writeError(w, http.StatusNotFound, code, msg)
		return
	}
	o := s.data[Orders][i]
	data := WebhookData{OrderID: idString(o["id"]), OldPaymentStatus: strOf(o["paymentStatus"]), OldFulfillmentStatus: strOf(o["fulfillmentStatus"])}
	for k, v := range u {
		switch k {
		case "id", "internalId", "orderNumber", "vendorOrderNumber", "createTimestamp", "updateTimestamp", "createDate", "updateDate":
			continue
		}
		o[k] = v
	}
	o["updateTimestamp"] = json.Number(strconv.FormatInt(s.clock().Unix(), 10))
	s.complete(Orders, o)
	data.NewPaymentStatus, data.NewFulfillmentStatus = strOf(o["paymentStatus"]), strOf(o["fulfillmentStatus"])
	internalID := o["internalId"]
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, obj{"updateCount": 1})
	s.emitOrderEvent(EventOrderUpdated, internalID, data)
}

// deleteOrder serves DELETE /orders/{id}.
func (s *Server) deleteOrder(w http.ResponseWriter, _ url.Values, id string, _ []byte) {
	s.mu.Lock()
	i := s.find(Orders, id)
	var internalID any
	var data WebhookData
	if i >= 0 {
		o := s.data[Orders][i]
		internalID, data.OrderID = o["internalId"], idString(o["id"])
		s.data[Orders] = slices.Delete(s.data[Orders], i, i+1)
	}
	s.mu.Unlock()
	if i < 0 {
		code, msg := notFound(Orders, id)
		writeError(w, http.StatusNotFound, code, msg)
		return
	}
	writeJSON(w, http.StatusOK, obj{"deleteCount": 1})
	s.emitOrderEvent(EventOrderDeleted, internalID, data)
}
