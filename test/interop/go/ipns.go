// IPNS subcommands of the go test peer: putipns and getvalue send one
// PUT_VALUE / GET_VALUE straight to each --bootstrap peer over
// /ipfs/kad/1.0.0 (kad-dht's own ProtocolMessenger and wire messages), so a
// test decides which head sees the request.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ipfs/boxo/ipns"
	ipns_pb "github.com/ipfs/boxo/ipns/pb"
	"github.com/ipfs/boxo/path"
	dhtpb "github.com/libp2p/go-libp2p-kad-dht/pb"
	recpb "github.com/libp2p/go-libp2p-record/pb"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-msgio"
	"github.com/libp2p/go-msgio/pbio"
	"google.golang.org/protobuf/proto"
)

const kadProtocol = "/ipfs/kad/1.0.0"

// rawSender is a dhtpb.MessageSender: one request per new stream.
type rawSender struct{ h host.Host }

func (s rawSender) SendRequest(ctx context.Context, p peer.ID, m *dhtpb.Message) (*dhtpb.Message, error) {
	st, err := s.h.NewStream(ctx, p, kadProtocol)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if dl, ok := ctx.Deadline(); ok {
		st.SetDeadline(dl)
	}
	if err := pbio.NewDelimitedWriter(st).WriteMsg(m); err != nil {
		st.Reset()
		return nil, err
	}
	r := msgio.NewVarintReaderSize(st, 1<<20)
	buf, err := r.ReadMsg()
	if err != nil {
		st.Reset()
		return nil, fmt.Errorf("no response: %w", err)
	}
	resp := new(dhtpb.Message)
	err = proto.Unmarshal(buf, resp)
	r.ReleaseMsg(buf)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func (s rawSender) SendMessage(ctx context.Context, p peer.ID, m *dhtpb.Message) error {
	st, err := s.h.NewStream(ctx, p, kadProtocol)
	if err != nil {
		return err
	}
	defer st.Close()
	return pbio.NewDelimitedWriter(st).WriteMsg(m)
}

// connectPeers connects a listener-less host to every bootstrap peer.
func connectPeers(ctx context.Context, boot string) (host.Host, []peer.ID, *dhtpb.ProtocolMessenger) {
	if boot == "" {
		die("--bootstrap is required")
	}
	h := newHost(genKey("ed25519"), -1, false)
	var ids []peer.ID
	for _, s := range splitList(boot) {
		ai, err := parseAddrInfo(s)
		if err != nil {
			die("bad bootstrap address %s: %v", s, err)
		}
		if err := h.Connect(ctx, *ai); err != nil {
			finish(fmt.Errorf("connect %s: %w", ai.ID, err), "")
		}
		ids = append(ids, ai.ID)
	}
	pm, err := dhtpb.NewProtocolMessenger(rawSender{h})
	if err != nil {
		die("messenger: %v", err)
	}
	return h, ids, pm
}

// loadOrCreateKey reads a marshalled private key from file, or creates an
// Ed25519 key (and stores it there when file is not empty).
func loadOrCreateKey(file string) crypto.PrivKey {
	if file != "" {
		if b, err := os.ReadFile(file); err == nil {
			k, err := crypto.UnmarshalPrivateKey(b)
			if err != nil {
				die("key file %s: %v", file, err)
			}
			return k
		}
	}
	k := genKey("ed25519")
	if file != "" {
		b, err := crypto.MarshalPrivateKey(k)
		if err == nil {
			err = os.WriteFile(file, b, 0o600)
		}
		if err != nil {
			die("key file %s: %v", file, err)
		}
	}
	return k
}

func cmdPutIPNS(args []string) {
	fs := flag.NewFlagSet("putipns", flag.ExitOnError)
	boot := fs.String("bootstrap", "", "comma-separated peer multiaddrs to PUT_VALUE to")
	value := fs.String("value", "", "IPNS value, /ipfs/<cid>")
	seq := fs.Uint64("seq", 1, "sequence number")
	invalid := fs.Bool("invalid", false, "corrupt signatureV2")
	keyFile := fs.String("keyfile", "", "private key file (created when absent), to publish several records under one name")
	lifetime := fs.Float64("lifetime", 3600, "validity: now + S seconds")
	timeout := fs.Float64("timeout", 30, "seconds")
	parseArgs(fs, args)
	p, err := path.NewPath(*value)
	if err != nil {
		die("bad value: %v", err)
	}
	sk := loadOrCreateKey(*keyFile)
	pid, err := peer.IDFromPrivateKey(sk)
	if err != nil {
		die("peer id: %v", err)
	}
	name := ipns.NameFromPeer(pid)
	rec, err := ipns.NewRecord(sk, p, *seq, time.Now().Add(time.Duration(*lifetime*float64(time.Second))), time.Hour)
	if err != nil {
		die("ipns record: %v", err)
	}
	data, err := ipns.MarshalRecord(rec)
	if err != nil {
		die("marshal: %v", err)
	}
	if *invalid {
		var e ipns_pb.IpnsRecord
		if err := proto.Unmarshal(data, &e); err != nil || len(e.SignatureV2) == 0 {
			die("cannot corrupt the record: %v", err)
		}
		e.SignatureV2[len(e.SignatureV2)/2] ^= 0x55
		if data, err = proto.Marshal(&e); err != nil {
			die("marshal: %v", err)
		}
	}
	out("NAME %s", pid)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout*float64(time.Second)))
	defer cancel()
	h, ids, pm := connectPeers(ctx, *boot)
	defer h.Close()
	key := name.RoutingKey()
	var errs []string
	for _, id := range ids {
		if err := pm.PutValue(ctx, id, &recpb.Record{Key: key, Value: data}); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", id, err))
		} else {
			out("PUT %s seq=%d", id, *seq)
		}
	}
	if len(errs) > 0 {
		finish(errors.New(strings.Join(errs, "; ")), "")
	}
	finish(nil, fmt.Sprintf("put %s seq=%d", name, *seq))
}

func cmdGetValue(args []string) {
	fs := flag.NewFlagSet("getvalue", flag.ExitOnError)
	boot := fs.String("bootstrap", "", "comma-separated peer multiaddrs to GET_VALUE from")
	nameStr := fs.String("name", "", "IPNS name (peer id)")
	expect := fs.String("expect", "", "value the record must hold")
	timeout := fs.Float64("timeout", 30, "seconds")
	parseArgs(fs, args)
	pid, err := peer.Decode(*nameStr)
	if err != nil {
		die("bad name: %v", err)
	}
	name := ipns.NameFromPeer(pid)
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout*float64(time.Second)))
	defer cancel()
	h, ids, pm := connectPeers(ctx, *boot)
	defer h.Close()
	for _, id := range ids {
		r, _, err := pm.GetValue(ctx, id, string(name.RoutingKey()))
		if err != nil {
			finish(fmt.Errorf("%s: %w", id, err), "")
		}
		if r == nil {
			finish(fmt.Errorf("%s: no record", id), "")
		}
		rec, err := ipns.UnmarshalRecord(r.GetValue())
		if err == nil {
			err = ipns.ValidateWithName(rec, name)
		}
		if err != nil {
			finish(fmt.Errorf("%s: invalid record: %w", id, err), "")
		}
		v, err := rec.Value()
		if err != nil {
			finish(fmt.Errorf("%s: value: %w", id, err), "")
		}
		seq, _ := rec.Sequence()
		out("VALUE %s", v)
		out("SEQ %d", seq)
		if *expect != "" && v.String() != *expect {
			finish(fmt.Errorf("%s: value %s, expected %s", id, v, *expect), "")
		}
	}
	finish(nil, fmt.Sprintf("got %s", name))
}
