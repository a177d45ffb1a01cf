// Package label renders shipping documents as PDF with codeberg.org/go-pdf/fpdf:
// a 4×6 inch shipping label (addresses, carrier, service, a Code 128
// barcode of the tracking number with its text, a QR code, the return id)
// and a packing slip (A4 or Letter) listing the returned items.
//
// Text is set in DejaVu Sans, embedded in the package (fonts/, with its
// licence), so names and addresses in any script of the Basic Multilingual
// Plane print correctly; the PDF core fonts are cp1252-only. Characters
// outside the BMP (emoji), control characters and invalid UTF-8 are
// replaced before rendering (see Sanitize).
//
// Barcodes are drawn as vector rectangles from github.com/boombuler/barcode
// symbols, so they stay sharp at any printer resolution. (fpdf's
// contrib/barcode embeds JPEG images and keeps every symbol in a
// process-wide cache that is never emptied, which a long-running server
// cannot afford.)
//
// Rendering is deterministic: the same input yields the same bytes.
package label
