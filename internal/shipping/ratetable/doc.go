// Package ratetable is the built-in carrier that needs no carrier account:
// prices come from a per-store rate table, labels are printed by Rebound
// (internal/shipping/label) and tracking numbers are Rebound's own, with a
// check digit (shipping.GenerateTrackingNumber).
//
// # The rate table
//
// A rate table is a JSON document:
//
//	{
//	  "carrier": "Rebound Post",
//	  "currency": "USD",
//	  "weightUnit": "lb",
//	  "trackingUrl": "https://returns.example.com/track/{trackingNumber}",
//	  "services": [
//	    {"code": "ground", "name": "Ground", "estimatedDays": 5},
//	    {"code": "express", "name": "Express", "estimatedDays": 2}
//	  ],
//	  "zones": [
//	    {
//	      "name": "United States",
//	      "countries": ["US"],
//	      "bands": [
//	        {"upTo": "1", "prices": {"ground": "6.50", "express": "14.00"}},
//	        {"over": "1", "upTo": "5", "prices": {"ground": "9.75", "express": "21.00"}},
//	        {"over": "5", "upTo": "20", "prices": {"ground": "15.00"}}
//	      ]
//	    },
//	    {
//	      "name": "US West Coast",
//	      "countries": ["US"],
//	      "postalPrefixes": ["90", "91", "94"],
//	      "bands": [
//	        {"upTo": "1", "prices": {"ground": "5.25", "express": "11.00"}},
//	        {"over": "1", "upTo": "5", "prices": {"ground": "8.00", "express": "17.50"}},
//	        {"over": "5", "upTo": "20", "prices": {"ground": "12.00"}}
//	      ]
//	    },
//	    {
//	      "name": "Canada",
//	      "countries": ["CA"],
//	      "bands": [{"upTo": "5", "prices": {"ground": "18.00", "express": "32.00"}}]
//	    },
//	    {
//	      "name": "Rest of the world",
//	      "countries": ["*"],
//	      "bands": [{"upTo": "5", "prices": {"express": "45.00"}}]
//	    }
//	  ]
//	}
//
// The same document is in testdata/example.json. Members:
//
//   - carrier: the name printed on labels and reported in rates; optional,
//     "Rebound" by default.
//   - currency: the ISO 4217 code of every price (the store's currency).
//   - weightUnit: the unit of the band limits: "oz", "lb", "g" or "kg".
//   - trackingUrl: optional public tracking page; "{trackingNumber}" is
//     replaced by the shipment's tracking number. Must be http or https.
//   - services: at least one; code is lower case letters, digits, "_" and
//     "-" (at most 32), unique; name defaults to the code; estimatedDays is
//     the transit estimate in days (0: unknown).
//   - zones: at least one. countries lists ISO 3166-1 alpha-2 codes in upper
//     case, or "*" for every country no other zone names. postalPrefixes
//     (optional, not with "*") restricts the zone to postal codes starting
//     with one of the prefixes, compared after upper-casing and removing
//     spaces and hyphens. A country (with a given prefix, or with none) may
//     appear in one zone only.
//   - bands: each covers the weights w with over < w ≤ upTo, in weightUnit;
//     over defaults to "0". Bands of a zone may not overlap; gaps are
//     allowed (no rate for those weights). prices maps service codes to
//     decimal strings in the currency, exact at its minor unit ("6.50" for
//     USD, "650" for JPY); a service missing from a band is not offered
//     for those weights.
//
// Limits are decimal strings too, so that "0.1" means exactly a tenth.
// Parse reports every bad member at once, naming it by its path, e.g.
// "zones[1].countries[0]", "zones[0].bands[2]" (overlapping another band),
// "zones[0].bands[1].prices.express" or "currency". Unknown members are
// errors.
//
// # Quoting
//
// The zone is picked by the shopper's address: the destination of an
// outbound shipment, the origin of a return (IsReturn). Among the zones
// naming its country, the one with the longest matching postal prefix
// wins; a zone with no prefixes matches any postal code of its countries;
// "*" zones come last. The parcel's weight is converted exactly to
// weightUnit and the band containing it gives one rate per service priced
// in that band, cheapest first. No zone or no band: no rates, no error.
//
// # Buying
//
// Buy re-quotes the request, so a rate cannot be bought at a price the
// table no longer has (EConflict when the price changed since the quote).
// Tracking numbers are derived from the carrier's namespace and the
// idempotency key: the same key always yields the same number, and a
// number already used by another shipment is never reused. Buy is
// idempotent by key through the Store (MemoryStore by default; the
// database implements it later).
package ratetable
