// The provide-many subcommand of the go test peer (for benchmarks, e.g.
// test/bench/prefetch_bench.sh): one process provides many CIDs at once.
// On a small private network every node is among the k closest to any key,
// so instead of a lookup per CID it sends ADD_PROVIDER straight to the
// --replicas peers (of --peers) closest to each key, on one long-lived
// stream per peer, then checks each peer with a GET_PROVIDERS on that
// stream after every --batch messages (answered only after every earlier
// message on it was handled).
//
// Keys are those of test/bench/loadgen: k(i) = sha2-256 multihash of
// be64(seed) || be64(i), i = 0 .. count-1, so `loadgen --seed S --known N`
// asks exactly the CIDs `provide-many --seed S --count N` provided.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"sort"
	"sync"
	"time"

	dhtpb "github.com/libp2p/go-libp2p-kad-dht/pb"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-msgio"
	"github.com/libp2p/go-msgio/pbio"
	"google.golang.org/protobuf/proto"
)

// loadgenKey is k(i) of test/bench/loadgen: a sha2-256 multihash.
func loadgenKey(seed, i uint64) []byte {
	var in [16]byte
	binary.BigEndian.PutUint64(in[:8], seed)
	binary.BigEndian.PutUint64(in[8:], i)
	d := sha256.Sum256(in[:])
	return append([]byte{0x12, 0x20}, d[:]...)
}

// closestPeers returns the n peers whose Kademlia id (sha256 of the id
// bytes) is closest to sha256(key) by XOR, as the DHT places records.
func closestPeers(key []byte, peers []peer.ID, n int) []peer.ID {
	t := sha256.Sum256(key)
	type pd struct {
		p peer.ID
		d [32]byte
	}
	ds := make([]pd, len(peers))
	for i, p := range peers {
		h := sha256.Sum256([]byte(p))
		ds[i].p = p
		for j := range h {
			ds[i].d[j] = h[j] ^ t[j]
		}
	}
	sort.Slice(ds, func(a, b int) bool { return bytes.Compare(ds[a].d[:], ds[b].d[:]) < 0 })
	if n > len(ds) {
		n = len(ds)
	}
	r := make([]peer.ID, n)
	for i := range r {
		r[i] = ds[i].p
	}
	return r
}

// provideOn writes ADD_PROVIDER for keys on stream st in batches; after
// each batch a GET_PROVIDERS of its last key must list us (the peer handled
// the batch).  Waiting keeps a slow peer from being flooded: js-libp2p
// peers closed the connection when thousands of messages were queued.
func provideOn(ctx context.Context, st network.Stream, self peer.AddrInfo, keys [][]byte, batch int) error {
	defer st.Close()
	if dl, ok := ctx.Deadline(); ok {
		st.SetDeadline(dl)
	}
	w := pbio.NewDelimitedWriter(st)
	r := msgio.NewVarintReaderSize(st, 1<<20)
	prov := dhtpb.RawPeerInfosToPBPeers([]peer.AddrInfo{self})
	for len(keys) > 0 {
		n := min(batch, len(keys))
		for _, k := range keys[:n] {
			m := &dhtpb.Message{Type: dhtpb.Message_ADD_PROVIDER, Key: k, ProviderPeers: prov}
			if err := w.WriteMsg(m); err != nil {
				st.Reset()
				return fmt.Errorf("write: %w", err)
			}
		}
		if err := checkProvided(w, r, st, self.ID, keys[n-1]); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

// checkProvided asks GET_PROVIDERS for key on the stream; nil if we are listed.
func checkProvided(w pbio.WriteCloser, r msgio.ReadCloser, st network.Stream, self peer.ID, key []byte) error {
	if err := w.WriteMsg(&dhtpb.Message{Type: dhtpb.Message_GET_PROVIDERS, Key: key}); err != nil {
		st.Reset()
		return fmt.Errorf("write: %w", err)
	}
	buf, err := r.ReadMsg()
	if err != nil {
		st.Reset()
		return fmt.Errorf("no answer to the check: %w", err)
	}
	resp := new(dhtpb.Message)
	err = proto.Unmarshal(buf, resp)
	r.ReleaseMsg(buf)
	if err != nil {
		return err
	}
	for _, pi := range dhtpb.PBPeersToPeerInfos(resp.GetProviderPeers()) {
		if pi.ID == self {
			return nil
		}
	}
	return fmt.Errorf("key not provided by us (%d providers in the answer)", len(resp.GetProviderPeers()))
}

// cmdProvideMany provides loadgen keys k(0..count-1) to the closest --replicas of --peers.
func cmdProvideMany(args []string) {
	fs := flag.NewFlagSet("provide-many", flag.ExitOnError)
	peersList := fs.String("peers", "", "comma-separated multiaddrs (with /p2p/) of the DHT servers to store the records on")
	count := fs.Uint64("count", 1000, "CIDs to provide: loadgen keys k(0) .. k(count-1)")
	seed := fs.Uint64("seed", 1, "loadgen key seed")
	replicas := fs.Int("replicas", 20, "records per CID: on the closest this many of --peers (Kademlia k)")
	timeout := fs.Float64("timeout", 600, "seconds")
	linger := fs.Float64("linger", 0, "stay online S seconds after providing")
	batch := fs.Int("batch", 100, "ADD_PROVIDER messages per peer between two checks")
	parallel := fs.Int("parallel", 2, "peers written to at once (a starved js-libp2p peer drops connections whose pings time out)")
	parseArgs(fs, args)
	if *peersList == "" {
		die("--peers is required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout*float64(time.Second)))
	defer cancel()
	// a listening host: kad servers drop provider records without addresses
	h := newHost(genKey("ed25519"), 0, false)
	defer h.Close()
	out("LISTEN %s", listenAddr(h))
	var ids []peer.ID
	for _, s := range splitList(*peersList) {
		ai, err := parseAddrInfo(s)
		if err != nil {
			die("bad peer address %s: %v", s, err)
		}
		if err := h.Connect(ctx, *ai); err != nil {
			finish(fmt.Errorf("connect %s: %w", ai.ID, err), "")
		}
		ids = append(ids, ai.ID)
	}
	per := map[peer.ID][][]byte{}
	for i := uint64(0); i < *count; i++ {
		k := loadgenKey(*seed, i)
		for _, p := range closestPeers(k, ids, *replicas) {
			per[p] = append(per[p], k)
		}
	}
	self := peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()}
	t0 := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, fail, records := 0, 0, 0
	slots := make(chan struct{}, max(*parallel, 1))
	for p, keys := range per {
		wg.Add(1)
		go func(p peer.ID, keys [][]byte) {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			st, err := h.NewStream(ctx, p, kadProtocol)
			if err == nil {
				err = provideOn(ctx, st, self, keys, max(*batch, 1))
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				out("FAIL %s: %s", p, err)
				fail++
				return
			}
			out("PROVIDED %s records=%d", p, len(keys))
			ok++
			records += len(keys)
		}(p, keys)
	}
	wg.Wait()
	secs := time.Since(t0).Seconds()
	if fail > 0 {
		finish(fmt.Errorf("%d of %d peers failed", fail, ok+fail), "")
		return
	}
	finish(nil, fmt.Sprintf("provided %d CIDs (%d records on %d peers) by %s in %.1f s", *count, records, ok, h.ID(), secs))
	if *linger > 0 {
		select {
		case <-time.After(time.Duration(*linger * float64(time.Second))):
		case <-stopSignal(0):
		}
	}
}
