package webhooks

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
)

// fakeDNS is an in-process DNS server for a *net.Resolver, so tests can make
// any name resolve to any address (and change its answer, for rebinding)
// without touching the network. Names not in the table are NXDOMAIN.
type fakeDNS struct {
	mu sync.Mutex
	// answers[name] is the sequence of answers for name (lower case,
	// without the trailing dot); the n-th A (or AAAA) query gets answer n,
	// the last one repeating.
	answers map[string][][]netip.Addr
	queries map[string]int // by name + "/" + qtype
}

func newFakeDNS() *fakeDNS {
	return &fakeDNS{answers: map[string][][]netip.Addr{}, queries: map[string]int{}}
}

// set makes name resolve to addrs on the first query, then to each later
// answer in turn.
func (f *fakeDNS) set(name string, addrs ...[]netip.Addr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[strings.ToLower(name)] = addrs
}

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

// resolver returns a pure-Go resolver that talks to f over an in-memory
// stream connection (DNS over TCP framing).
func (f *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			client, server := net.Pipe()
			go f.serve(server)
			return client, nil
		},
	}
}

func (f *fakeDNS) serve(c net.Conn) {
	defer c.Close()
	for {
		var n uint16
		if err := binary.Read(c, binary.BigEndian, &n); err != nil {
			return
		}
		q := make([]byte, n)
		if _, err := io.ReadFull(c, q); err != nil {
			return
		}
		resp := f.answer(q)
		if resp == nil {
			return
		}
		out := binary.BigEndian.AppendUint16(nil, uint16(len(resp)))
		if _, err := c.Write(append(out, resp...)); err != nil {
			return
		}
	}
}

// answer builds the response to query q (one question).
func (f *fakeDNS) answer(q []byte) []byte {
	if len(q) < 12 {
		return nil
	}
	// Question: labels, then QTYPE and QCLASS.
	i := 12
	var labels []string
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	question := q[12 : i+5]
	name := strings.ToLower(strings.Join(labels, "."))

	f.mu.Lock()
	seq, known := f.answers[name]
	var ans []netip.Addr
	if known && len(seq) > 0 {
		key := fmt.Sprint(name, "/", qtype)
		k := f.queries[key]
		f.queries[key]++
		ans = seq[min(k, len(seq)-1)]
	}
	f.mu.Unlock()

	var rdata [][]byte
	for _, a := range ans {
		switch {
		case qtype == 1 && a.Is4(): // A
			b := a.As4()
			rdata = append(rdata, b[:])
		case qtype == 28 && a.Is6(): // AAAA
			b := a.As16()
			rdata = append(rdata, b[:])
		}
	}
	rcode := uint16(0)
	if !known {
		rcode = 3 // NXDOMAIN
	}
	r := make([]byte, 12, 512)
	binary.BigEndian.PutUint16(r[0:], binary.BigEndian.Uint16(q[0:])) // ID
	binary.BigEndian.PutUint16(r[2:], 0x8580|rcode)                   // QR AA RD RA
	binary.BigEndian.PutUint16(r[4:], 1)                              // QDCOUNT
	binary.BigEndian.PutUint16(r[6:], uint16(len(rdata)))             // ANCOUNT
	r = append(r, question...)
	for _, d := range rdata {
		r = append(r, 0xC0, 12) // pointer to the question's name
		r = binary.BigEndian.AppendUint16(r, qtype)
		r = binary.BigEndian.AppendUint16(r, 1) // IN
		r = binary.BigEndian.AppendUint32(r, 0) // TTL
		r = binary.BigEndian.AppendUint16(r, uint16(len(d)))
		r = append(r, d...)
	}
	return r
}
