package shipping

// ParcelType is the packaging of a parcel, as in Redo's rates request.
type ParcelType string

// Parcel types. The zero value means "box".
const (
	Box      ParcelType = "box"
	Envelope ParcelType = "envelope"
	SoftPack ParcelType = "soft_pack"
)

// Parcel is one package: its outer dimensions and its weight. Dimensions
// are optional as a whole (some carriers price by weight only), but when
// one is given all three must be.
type Parcel struct {
	Length, Width, Height *Length
	Weight                Weight
	Type                  ParcelType
}

// Validate checks the parcel. Every bad field is reported, with paths
// relative to the parcel: "weight.value", "weight.unit", "length.unit",
// "height" (missing while length is given), "type".
func (p Parcel) Validate() error {
	var fe fieldErrors
	p.check(&fe, "")
	return fe.err()
}

func (p Parcel) check(fe *fieldErrors, prefix string) {
	dims := []struct {
		name string
		l    *Length
	}{{"length", p.Length}, {"width", p.Width}, {"height", p.Height}}
	given := 0
	for _, d := range dims {
		if d.l != nil {
			given++
		}
	}
	for _, d := range dims {
		switch {
		case d.l != nil:
			d.l.check(fe, joinPath(prefix, d.name))
		case given > 0:
			fe.add(joinPath(prefix, d.name), "is required when another dimension is given")
		}
	}
	p.Weight.check(fe, joinPath(prefix, "weight"))
	switch p.Type {
	case "", Box, Envelope, SoftPack:
	default:
		fe.add(joinPath(prefix, "type"), "must be one of box, envelope, soft_pack (got %q)", clip(string(p.Type)))
	}
}

// HasDimensions reports whether the parcel's three dimensions are given.
func (p Parcel) HasDimensions() bool { return p.Length != nil && p.Width != nil && p.Height != nil }
