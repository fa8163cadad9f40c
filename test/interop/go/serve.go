// Subcommand serve: kad-dht servers for the side-by-side benchmark
// (test/bench/sidebyside.sh).
//
//	peer serve [--hosts N] [--store map|indexed] [--duration S]
//
// Starts N hosts in this one process (default 1), each on its own ephemeral
// port on 127.0.0.1 with its own Ed25519 identity and a server-mode kad-dht
// (the same host and DHT options as `listen --dht`), prints
// `LISTEN <maddr>/p2p/<id>` per host and then `READY hosts=N`, and exits on
// SIGTERM/SIGINT, after --duration, or at EOF on a piped stdin.  Nothing is
// dialled: no bootstrap.
//
// --store chooses the provider datastore: "map" is kad-dht's default (an
// in-memory go-datastore MapDatastore, whose prefix query walks every stored
// entry, so each GET_PROVIDERS that misses kad-dht's 256-key LRU costs time
// proportional to all records held); "indexed" (default here) is the same
// in-memory map with an index by parent key, so loading one key's provider
// set touches only that key's entries, as a sorted on-disk store
// (leveldb, pebble) would.
package main

import (
	"context"
	"flag"
	"os"
	"strings"

	ds "github.com/ipfs/go-datastore"
	dsq "github.com/ipfs/go-datastore/query"
	dssync "github.com/ipfs/go-datastore/sync"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/peer"
)

// init runs serve before main's dispatch, so the subcommand lives in this
// file alone.
func init() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		cmdServe(os.Args[2:])
		os.Exit(0)
	}
}

// cmdServe runs the serve subcommand (see the file comment).
func cmdServe(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	hosts := fs.Int("hosts", 1, "number of DHT server hosts in this process")
	store := fs.String("store", "indexed", "provider datastore: map (kad-dht default) | indexed")
	duration := fs.Float64("duration", 0, "exit after S seconds (0 = until SIGTERM/stdin EOF)")
	parseArgs(fs, args)
	if *hosts < 1 {
		die("--hosts must be >= 1")
	}
	if *store != "map" && *store != "indexed" {
		die("--store must be map or indexed")
	}
	var closers []func() error
	for i := 0; i < *hosts; i++ {
		h := newHost(genKey("ed25519"), 0, false)
		opts := []dht.Option{
			dht.Mode(dht.ModeServer),
			dht.AddressFilter(nil),
			dht.RoutingTableFilter(func(_ interface{}, _ peer.ID) bool { return true }),
			dht.QueryFilter(func(_ interface{}, _ peer.AddrInfo) bool { return true }),
		}
		if *store == "indexed" {
			opts = append(opts, dht.ProviderDatastore(dssync.MutexWrap(newIndexedDatastore())))
		}
		d, err := dht.New(h, opts...)
		if err != nil {
			die("dht.New: %v", err)
		}
		closers = append(closers, d.Close, h.Close)
		out("LISTEN %s", listenAddr(h))
	}
	out("READY hosts=%d", *hosts)
	<-stopSignal(*duration)
	for _, c := range closers {
		_ = c()
	}
}

// indexedDatastore is an in-memory datastore whose entries are also grouped
// by parent key, so a prefix query naming a parent returns its children
// without walking the whole map.
type indexedDatastore struct {
	values   map[ds.Key][]byte
	children map[string]map[ds.Key]struct{}
}

// newIndexedDatastore returns an empty indexedDatastore.
func newIndexedDatastore() *indexedDatastore {
	return &indexedDatastore{
		values:   map[ds.Key][]byte{},
		children: map[string]map[ds.Key]struct{}{},
	}
}

// Put stores a value and indexes its key under its parent.
func (d *indexedDatastore) Put(_ context.Context, key ds.Key, value []byte) error {
	if _, ok := d.values[key]; !ok {
		p := key.Parent().String()
		c := d.children[p]
		if c == nil {
			c = map[ds.Key]struct{}{}
			d.children[p] = c
		}
		c[key] = struct{}{}
	}
	d.values[key] = value
	return nil
}

// Sync has nothing to flush.
func (d *indexedDatastore) Sync(context.Context, ds.Key) error { return nil }

// Get returns a stored value or ds.ErrNotFound.
func (d *indexedDatastore) Get(_ context.Context, key ds.Key) ([]byte, error) {
	v, ok := d.values[key]
	if !ok {
		return nil, ds.ErrNotFound
	}
	return v, nil
}

// Has reports whether a key is stored.
func (d *indexedDatastore) Has(_ context.Context, key ds.Key) (bool, error) {
	_, ok := d.values[key]
	return ok, nil
}

// GetSize returns the size of a stored value or ds.ErrNotFound.
func (d *indexedDatastore) GetSize(_ context.Context, key ds.Key) (int, error) {
	v, ok := d.values[key]
	if !ok {
		return -1, ds.ErrNotFound
	}
	return len(v), nil
}

// Delete removes a key and its index entry.
func (d *indexedDatastore) Delete(_ context.Context, key ds.Key) error {
	if _, ok := d.values[key]; !ok {
		return nil
	}
	delete(d.values, key)
	p := key.Parent().String()
	if c := d.children[p]; c != nil {
		delete(c, key)
		if len(c) == 0 {
			delete(d.children, p)
		}
	}
	return nil
}

// Query answers from the parent index when the prefix names a parent that
// has children, else by walking every entry; filters, orders and limits are
// applied by go-datastore's naive query code either way.
func (d *indexedDatastore) Query(_ context.Context, q dsq.Query) (dsq.Results, error) {
	var re []dsq.Entry
	add := func(k ds.Key) {
		v := d.values[k]
		e := dsq.Entry{Key: k.String(), Size: len(v)}
		if !q.KeysOnly {
			e.Value = v
		}
		re = append(re, e)
	}
	if c, ok := d.children[strings.TrimSuffix(ds.NewKey(q.Prefix).String(), "/")]; ok && q.Prefix != "" && q.Prefix != "/" {
		for k := range c {
			add(k)
		}
	} else {
		for k := range d.values {
			add(k)
		}
	}
	r := dsq.ResultsWithEntries(q, re)
	return dsq.NaiveQueryApply(q, r), nil
}

// Batch returns a batch that applies its writes one by one on Commit.
func (d *indexedDatastore) Batch(context.Context) (ds.Batch, error) {
	return ds.NewBasicBatch(d), nil
}

// Close has nothing to release.
func (d *indexedDatastore) Close() error { return nil }

var _ ds.Batching = (*indexedDatastore)(nil)
