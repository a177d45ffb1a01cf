package portal

import (
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"

	"github.com/reboundhq/rebound/internal/money"
	"github.com/reboundhq/rebound/internal/returns"
	"github.com/reboundhq/rebound/internal/store"
	"github.com/reboundhq/rebound/internal/web"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// itemRow is one order line on the items page.
type itemRow struct {
	Index      int
	LineID     string
	Title      string
	Variant    string
	Image      string
	Price      string
	Returnable int
	Reasons    []string // why it cannot be returned
	Deadline   string
	Quantity   int
	Reason     string
	Comment    string
	Photos     int
	Answers    map[string]string
}

type itemsPage struct {
	Base       string
	Order      string
	Rows       []itemRow
	Reasons    []returns.Reason
	Photo      map[string]bool // reason codes that require a photo
	Questions  []returns.PolicyQuestion
	Returns    []returnLink
	Summary    summary
	MaxPhotoMB int
}

type returnLink struct {
	ID, Status, URL, Created string
}

type summary struct {
	Units int
	Value string
}

func (p *Portal) itemsView(ss *session, errs web.Errors) *web.View {
	pg := &itemsPage{Base: ss.base, Order: orderNumber(ss.order), Reasons: ss.policy.Reasons, Questions: ss.policy.Questions,
		Photo: map[string]bool{}, MaxPhotoMB: MaxPhotoBytes >> 20}
	for _, rs := range ss.policy.Reasons {
		for _, c := range append([]returns.Reason{rs}, rs.Children...) {
			if ss.policy.ReasonRequiresPhoto(c.Code) {
				pg.Photo[c.Code] = true
			}
		}
	}
	chosen := map[string]draftItem{}
	for _, it := range ss.data.Items {
		chosen[it.LineID] = it
	}
	for i, l := range ss.order.Lines {
		if l.IsCoverage() {
			continue
		}
		e := ss.elig[i]
		row := itemRow{Index: i, LineID: l.ID, Title: l.Title, Variant: l.VariantTitle, Image: l.Image,
			Price:      money.Format(l.Price.Shop.Minor, l.Price.Shop.Currency) + " " + l.Price.Shop.Currency,
			Returnable: e.Returnable, Reasons: e.Reasons, Answers: map[string]string{}}
		if row.Image == "" && len(l.Images) > 0 {
			row.Image = l.Images[0].URL
		}
		if !e.Deadline.IsZero() {
			row.Deadline = e.Deadline.Format("January 2, 2006")
		}
		if c, ok := chosen[l.ID]; ok {
			row.Quantity, row.Reason, row.Comment, row.Photos = c.Quantity, c.Reason, c.Comment, len(c.Photos)
			for _, a := range c.Answers {
				row.Answers[a.Question] = a.Answer
			}
		}
		pg.Rows = append(pg.Rows, row)
	}
	for _, r := range ss.others {
		if r.Status == returns.StatusDeleted {
			continue
		}
		pg.Returns = append(pg.Returns, returnLink{ID: r.ID, Status: statusWords(r.Status).Title,
			URL: p.StatusURL(ss.settings.Handle, ss.settings.StoreID, r.ID), Created: r.CreatedAt.Format("January 2, 2006")})
	}
	pg.Summary = p.summarize(ss, ss.data.Items)
	v := ss.view("Choose items")
	v.Errors = errs
	v.Data = pg
	return v
}

func (p *Portal) itemsPage(w http.ResponseWriter, r *http.Request) {
	ss, ok := p.session(w, r)
	if !ok {
		return
	}
	if ss.draft.ReturnID != "" {
		http.Redirect(w, r, p.StatusURL(ss.settings.Handle, ss.settings.StoreID, ss.draft.ReturnID), http.StatusSeeOther)
		return
	}
	v := p.itemsView(ss, nil)
	v.Flash = web.TakeFlash(w, r)
	p.rd.Page(w, r, http.StatusOK, "items", v)
}

// decodeItems reads the items form: every line's quantity, reason,
// comment, answers and photos, checked against the order, the policy and
// what is still returnable. Photos are read (not saved) into files.
func (p *Portal) decodeItems(ss *session, f *web.Form) ([]draftItem, map[string][]photo) {
	prev := map[string]draftItem{}
	for _, it := range ss.data.Items {
		prev[it.LineID] = it
	}
	var items []draftItem
	files := map[string][]photo{}
	for i := range ss.order.Lines {
		l, e := &ss.order.Lines[i], &ss.elig[i]
		if l.IsCoverage() {
			continue
		}
		n := strconv.Itoa(i)
		if f.Has("line-"+n) && f.String("line-"+n, 0) != l.ID {
			f.Errors.Add("qty-"+n, "This page is out of date. Reload it and choose again.")
			continue
		}
		q := f.Int("qty-"+n, 0, 1000, true, "Choose how many to return.")
		if q == 0 {
			continue
		}
		if e.Returnable == 0 {
			msg := "This item can't be returned."
			if len(e.Reasons) > 0 {
				msg = e.Reasons[0]
			}
			f.Errors.Add("qty-"+n, msg)
			continue
		}
		if q > e.Returnable {
			f.Errors.Add("qty-"+n, fmt.Sprintf("You can return at most %d of this item.", e.Returnable))
			continue
		}
		it := draftItem{LineID: l.ID, Quantity: q, Reason: f.String("reason-"+n, 64), Comment: f.String("comment-"+n, 1000)}
		if err := ss.policy.CheckReason(it.Reason); err != nil {
			msg := returns.ErrorMessage(err)
			if it.Reason != "" {
				msg = "Choose one of the reasons in the list."
				if r, _, ok := ss.policy.FindReason(it.Reason); ok && len(r.Children) > 0 {
					msg = returns.ErrorMessage(err)
				}
			}
			f.Errors.Add("reason-"+n, msg)
		}
		for j, qn := range ss.policy.Questions {
			field := fmt.Sprintf("q-%s-%d", n, j)
			a := f.String(field, 200)
			switch {
			case a == "" && qn.Required:
				f.Errors.Add(field, "Answer this question.")
			case a != "" && !slices.Contains(qn.Options, a):
				f.Errors.Add(field, "Choose one of the answers in the list.")
			case a != "":
				it.Answers = append(it.Answers, returns.Question{Question: qn.Question, Answer: a})
			}
		}
		ph, msg := readPhotos(f.Files("photo-" + n))
		if msg != "" {
			f.Errors.Add("photo-"+n, msg)
		}
		if len(ph) > 0 {
			files[l.ID] = ph
		} else if pv, ok := prev[l.ID]; ok {
			it.Photos = pv.Photos
		}
		if ss.policy.ReasonRequiresPhoto(it.Reason) && len(ph) == 0 && len(it.Photos) == 0 && msg == "" {
			f.Errors.Add("photo-"+n, "Add a photo of the item: this reason needs one.")
		}
		items = append(items, it)
	}
	if len(items) == 0 && f.Errors.OK() {
		f.Errors.Add("qty-"+strconv.Itoa(firstReturnable(ss)), "Choose at least one item to return.")
	}
	return items, files
}

func firstReturnable(ss *session) int {
	for i, l := range ss.order.Lines {
		if !l.IsCoverage() {
			return i
		}
	}
	return 0
}

type photo struct {
	contentType string
	data        []byte
}

// imageTypes are the photo formats accepted, by sniffed content type.
var imageTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// readPhotos reads uploaded photos, checking each is an image (by its
// content, not its name) and not over MaxPhotoBytes.
func readPhotos(fhs []*multipart.FileHeader) ([]photo, string) {
	if len(fhs) > MaxPhotosPerItem {
		return nil, fmt.Sprintf("Add at most %d photos.", MaxPhotosPerItem)
	}
	var out []photo
	for _, fh := range fhs {
		if fh.Size > MaxPhotoBytes {
			return nil, fmt.Sprintf("The photo %q is too large: photos can be up to %d MB.", fh.Filename, MaxPhotoBytes>>20)
		}
		fl, err := fh.Open()
		if err != nil {
			return nil, "The photo could not be read. Please try again."
		}
		data, err := io.ReadAll(io.LimitReader(fl, MaxPhotoBytes+1))
		fl.Close()
		if err != nil || len(data) == 0 {
			return nil, "The photo could not be read. Please try again."
		}
		if len(data) > MaxPhotoBytes {
			return nil, fmt.Sprintf("The photo %q is too large: photos can be up to %d MB.", fh.Filename, MaxPhotoBytes>>20)
		}
		ct := http.DetectContentType(data)
		if !slices.Contains(imageTypes, ct) {
			return nil, fmt.Sprintf("The file %q is not a photo: use a JPEG, PNG, GIF or WebP image.", fh.Filename)
		}
		out = append(out, photo{contentType: ct, data: data})
	}
	return out, ""
}

func (p *Portal) items(w http.ResponseWriter, r *http.Request) {
	ss, ok := p.session(w, r)
	if !ok {
		return
	}
	if ss.draft.ReturnID != "" {
		http.Redirect(w, r, p.StatusURL(ss.settings.Handle, ss.settings.StoreID, ss.draft.ReturnID), http.StatusSeeOther)
		return
	}
	f, err := web.ParseForm(w, r, maxFormBytes)
	if err == web.ErrTooLarge {
		v := p.itemsView(ss, web.Errors{"photo-" + strconv.Itoa(firstReturnable(ss)): fmt.Sprintf("The photos are too large: each can be up to %d MB.", MaxPhotoBytes>>20)})
		p.rd.Page(w, r, http.StatusRequestEntityTooLarge, "items", v)
		return
	}
	if err != nil {
		p.rd.Error(w, r, http.StatusBadRequest, ss.view(""), "The form could not be read. Please try again.", ss.base+"/items")
		return
	}
	items, files := p.decodeItems(ss, f)
	if !f.Errors.OK() {
		v := p.itemsView(ss, f.Errors)
		// Show what the shopper entered.
		pg := v.Data.(*itemsPage)
		for i := range pg.Rows {
			n := strconv.Itoa(pg.Rows[i].Index)
			pg.Rows[i].Quantity, _ = strconv.Atoi(f.String("qty-"+n, 0))
			pg.Rows[i].Reason, pg.Rows[i].Comment = f.String("reason-"+n, 0), f.String("comment-"+n, 0)
		}
		p.rd.Page(w, r, http.StatusUnprocessableEntity, "items", v)
		return
	}
	ctx := r.Context()
	err = p.app.Store.Update(ctx, func(tx store.Tx) error {
		for i := range items {
			ph, ok := files[items[i].LineID]
			if !ok {
				continue
			}
			items[i].Photos = nil
			for _, x := range ph {
				b := &returns.Blob{ID: randomHex(16), StoreID: ss.settings.StoreID, ContentType: x.contentType, Data: x.data, CreatedAt: tx.Now()}
				if err := tx.PutBlob(ctx, b); err != nil {
					return err
				}
				items[i].Photos = append(items[i].Photos, p.app.FileURL(b.ID))
			}
		}
		ss.data.Items, ss.data.Done = items, max(ss.data.Done, 1)
		b, err := json.Marshal(ss.data)
		if err != nil {
			return err
		}
		ss.draft.Data = b
		return tx.PutPortalDraft(ctx, ss.draft)
	})
	if err != nil {
		p.fail(w, r, ss.site, err)
		return
	}
	http.Redirect(w, r, ss.base+"/options", http.StatusSeeOther)
}

// itemsSummary answers htmx's request as the quantities change: how many
// units are chosen and what they are worth.
func (p *Portal) itemsSummary(w http.ResponseWriter, r *http.Request) {
	ss, ok := p.session(w, r)
	if !ok {
		return
	}
	f, err := web.ParseForm(w, r, maxFormBytes)
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	var items []draftItem
	for i := range ss.order.Lines {
		q := f.Int("qty-"+strconv.Itoa(i), 0, ss.elig[i].Returnable, true, "x")
		if q > 0 {
			items = append(items, draftItem{LineID: ss.order.Lines[i].ID, Quantity: q})
		}
	}
	p.rd.Fragment(w, r, http.StatusOK, "summary", p.summarize(ss, items))
}

// summarize counts the chosen units and values them as processing would
// refund them.
func (p *Portal) summarize(ss *session, items []draftItem) summary {
	var s summary
	for _, it := range items {
		s.Units += it.Quantity
	}
	if s.Units == 0 {
		return s
	}
	if pv, err := p.preview(ss, items, string(returns.CompensationRefund), nil); err == nil {
		var v int64
		for _, it := range pv.Items {
			v += it.Value.Total
		}
		s.Value = money.Format(v, ss.order.ShopCurrency) + " " + ss.order.ShopCurrency
	}
	return s
}
