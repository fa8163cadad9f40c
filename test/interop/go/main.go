// Command peer is a go-libp2p test peer for the hydra interop harness.
//
// Subcommands (output contract shared with ../js/peer.mjs, see ../README.md):
//
//	peer listen    [--port 0] [--key ed25519|rsa|ecdsa|secp256k1] [--dht] [--bootstrap maddr,...] [--duration S]
//	peer dial      <maddr/p2p/id> [--count N] [--key type] [--no-tls]
//	peer provide   --bootstrap maddr[,maddr] --cid CID
//	peer provide-many --peers maddr,... --count N [--seed S] [--replicas R] (provide_many.go)
//	peer findprovs --bootstrap maddr[,maddr] --cid CID [--expect peerid]
//	peer closest   --bootstrap maddr[,maddr] --key peerid [--expect peerid,...]
//	peer putipns   --bootstrap maddr[,maddr] --value /ipfs/CID [--seq N] [--invalid] [--keyfile F]
//	peer getvalue  --bootstrap maddr[,maddr] --name peerid [--expect /ipfs/CID]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p"
	dht "github.com/libp2p/go-libp2p-kad-dht"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/protocol/ping"
	noise "github.com/libp2p/go-libp2p/p2p/security/noise"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
)

var outMu sync.Mutex

// out prints one line to stdout; os.Stdout is unbuffered, so each line is
// visible to the harness as soon as it is written.
func out(format string, args ...any) {
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Fprintf(os.Stdout, format+"\n", args...)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go-peer: "+format+"\n", args...)
}

func die(format string, args ...any) {
	logf(format, args...)
	os.Exit(2)
}

func depVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "unknown"
}

func agent() string {
	return "hydra-interop-go go-libp2p/" + depVersion("github.com/libp2p/go-libp2p") +
		" kad-dht/" + depVersion("github.com/libp2p/go-libp2p-kad-dht")
}

func genKey(kind string) crypto.PrivKey {
	var (
		k   crypto.PrivKey
		err error
	)
	switch strings.ToLower(kind) {
	case "ed25519", "":
		k, _, err = crypto.GenerateKeyPair(crypto.Ed25519, 0)
	case "rsa":
		k, _, err = crypto.GenerateKeyPair(crypto.RSA, 2048)
	case "ecdsa":
		k, _, err = crypto.GenerateKeyPair(crypto.ECDSA, 0)
	case "secp256k1":
		k, _, err = crypto.GenerateKeyPair(crypto.Secp256k1, 0)
	default:
		die("unknown key type %q (ed25519, rsa, ecdsa, secp256k1)", kind)
	}
	if err != nil {
		die("key generation: %v", err)
	}
	return k
}

// newHost builds a host with TCP + (TLS +) Noise + yamux only, identify and ping.
// port < 0 means no listener. withTLS offers /tls/1.0.0 before /noise, as go's
// defaults do.
func newHost(key crypto.PrivKey, port int, withTLS bool) host.Host {
	opts := []libp2p.Option{
		libp2p.Identity(key),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.UserAgent(agent()),
		libp2p.Ping(true),
		libp2p.DisableRelay(),
	}
	if withTLS {
		opts = append(opts, libp2p.Security(libp2ptls.ID, libp2ptls.New))
	}
	opts = append(opts, libp2p.Security(noise.ID, noise.New))
	if port >= 0 {
		opts = append(opts, libp2p.ListenAddrStrings(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port)))
	} else {
		opts = append(opts, libp2p.NoListenAddrs)
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		die("libp2p.New: %v", err)
	}
	return h
}

func protoList(ps []protocol.ID) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	sort.Strings(s)
	return strings.Join(s, ",")
}

func listenAddr(h host.Host) string {
	for _, a := range h.Addrs() {
		if _, err := a.ValueForProtocol(ma.P_TCP); err == nil {
			return fmt.Sprintf("%s/p2p/%s", a, h.ID())
		}
	}
	die("host has no TCP listen address")
	return ""
}

// parseArgs parses flags that may appear before or after positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) []string {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			os.Exit(2)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func splitList(s string) []string {
	var r []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			r = append(r, x)
		}
	}
	return r
}

func parseAddrInfo(s string) (*peer.AddrInfo, error) {
	m, err := ma.NewMultiaddr(s)
	if err != nil {
		return nil, err
	}
	return peer.AddrInfoFromP2pAddr(m)
}

// stopSignal returns a channel closed on SIGTERM/SIGINT, after duration (if > 0),
// or at EOF on stdin when stdin is a pipe (a /dev/null stdin is ignored, so
// that background jobs in scripts keep running).
func stopSignal(duration float64) <-chan struct{} {
	done := make(chan struct{})
	var once sync.Once
	stop := func() { once.Do(func() { close(done) }) }
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sig; stop() }()
	if duration > 0 {
		time.AfterFunc(time.Duration(duration*float64(time.Second)), stop)
	}
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) != 0 {
		go func() { io.Copy(io.Discard, os.Stdin); stop() }()
	}
	return done
}

// identified waits for the identify event of peer p on subscription sub.
func identified(ctx context.Context, sub event.Subscription, p peer.ID) (*event.EvtPeerIdentificationCompleted, error) {
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("identify timeout: %w", ctx.Err())
		case e, ok := <-sub.Out():
			if !ok {
				return nil, errors.New("event bus closed")
			}
			switch ev := e.(type) {
			case event.EvtPeerIdentificationCompleted:
				if ev.Peer == p {
					return &ev, nil
				}
			case event.EvtPeerIdentificationFailed:
				if ev.Peer == p {
					return nil, fmt.Errorf("identify failed: %v", ev.Reason)
				}
			}
		}
	}
}

func newDHT(h host.Host) *dht.IpfsDHT {
	d, err := dht.New(h,
		dht.Mode(dht.ModeServer),
		// loopback tests: keep every address and admit every peer
		dht.AddressFilter(nil),
		dht.RoutingTableFilter(func(_ interface{}, _ peer.ID) bool { return true }),
		dht.QueryFilter(func(_ interface{}, _ peer.AddrInfo) bool { return true }),
	)
	if err != nil {
		die("dht.New: %v", err)
	}
	return d
}

// watchRT prints RTADD/RTDEL lines as the DHT routing table changes.
func watchRT(ctx context.Context, d *dht.IpfsDHT) {
	known := map[peer.ID]bool{}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		now := map[peer.ID]bool{}
		for _, p := range d.RoutingTable().ListPeers() {
			now[p] = true
			if !known[p] {
				out("RTADD %s", p)
			}
		}
		for p := range known {
			if !now[p] {
				out("RTDEL %s", p)
			}
		}
		known = now
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func connectBootstrap(ctx context.Context, h host.Host, list string) int {
	n := 0
	for _, s := range splitList(list) {
		ai, err := parseAddrInfo(s)
		if err != nil {
			logf("bad bootstrap address %s: %v", s, err)
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		err = h.Connect(cctx, *ai)
		cancel()
		if err != nil {
			logf("bootstrap %s: %v", s, err)
			continue
		}
		out("BOOTSTRAP %s", ai.ID)
		n++
	}
	return n
}

func cmdListen(args []string) {
	fs := flag.NewFlagSet("listen", flag.ExitOnError)
	port := fs.Int("port", 0, "TCP port on 127.0.0.1 (0 = ephemeral)")
	key := fs.String("key", "ed25519", "identity key type: ed25519|rsa|ecdsa|secp256k1")
	withDHT := fs.Bool("dht", false, "run a kad-dht in server mode")
	boot := fs.String("bootstrap", "", "comma-separated bootstrap multiaddrs (with /p2p/)")
	duration := fs.Float64("duration", 0, "exit after S seconds (0 = until SIGTERM/stdin EOF)")
	tlsToo := fs.Bool("tls", false, "also offer /tls/1.0.0 (default: noise only)")
	parseArgs(fs, args)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := newHost(genKey(*key), *port, *tlsToo)
	defer h.Close()

	sub, err := h.EventBus().Subscribe(new(event.EvtPeerIdentificationCompleted))
	if err != nil {
		die("subscribe: %v", err)
	}
	go func() {
		for e := range sub.Out() {
			ev := e.(event.EvtPeerIdentificationCompleted)
			out("PEER %s protocols=%s agent=%s", ev.Peer, protoList(ev.Protocols), ev.AgentVersion)
		}
	}()

	var d *dht.IpfsDHT
	if *withDHT {
		d = newDHT(h)
		defer d.Close()
	}
	out("LISTEN %s", listenAddr(h))
	if d != nil {
		go watchRT(ctx, d)
		if *boot != "" {
			go func() {
				connectBootstrap(ctx, h, *boot)
				if err := d.Bootstrap(ctx); err != nil {
					logf("dht bootstrap: %v", err)
				}
			}()
		}
	} else if *boot != "" {
		go connectBootstrap(ctx, h, *boot)
	}
	<-stopSignal(*duration)
}

func cmdDial(args []string) {
	fs := flag.NewFlagSet("dial", flag.ExitOnError)
	count := fs.Int("count", 1, "number of sequential connections")
	key := fs.String("key", "ed25519", "identity key type: ed25519|rsa|ecdsa|secp256k1")
	withDHT := fs.Bool("dht", false, "mount a server-mode kad-dht (announces /ipfs/kad/1.0.0)")
	noTLS := fs.Bool("no-tls", false, "offer only /noise (default: /tls/1.0.0 first, then /noise)")
	timeout := fs.Float64("timeout", 20, "seconds per connection")
	linger := fs.Int("linger-ms", 200, "keep each connection open this long after the ping, so the remote can finish identifying us")
	pos := parseArgs(fs, args)
	if len(pos) != 1 {
		die("usage: dial <multiaddr/p2p/id> [--count N] [--key type]")
	}
	ai, err := parseAddrInfo(pos[0])
	if err != nil {
		die("bad multiaddr %s: %v", pos[0], err)
	}
	h := newHost(genKey(*key), -1, !*noTLS)
	defer h.Close()
	if *withDHT {
		defer newDHT(h).Close()
	}
	out("SELF %s", h.ID())
	sub, err := h.EventBus().Subscribe([]any{
		new(event.EvtPeerIdentificationCompleted), new(event.EvtPeerIdentificationFailed),
	})
	if err != nil {
		die("subscribe: %v", err)
	}
	ok, fail := 0, 0
	for i := 0; i < *count; i++ {
		if err := dialOnce(h, sub, ai, *timeout, time.Duration(*linger)*time.Millisecond); err != nil {
			out("FAIL %s", strings.ReplaceAll(err.Error(), "\n", " "))
			fail++
		} else {
			ok++
		}
	}
	out("RESULT ok=%d fail=%d", ok, fail)
	if fail > 0 {
		os.Exit(1)
	}
}

func dialOnce(h host.Host, sub event.Subscription, ai *peer.AddrInfo, timeout float64, linger time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(timeout*float64(time.Second)))
	defer cancel()
	// fresh state: no connection, no cached addresses/protocols/keys for the remote
	defer func() {
		h.Network().ClosePeer(ai.ID)
		// let the disconnect notifications (identify, peerstore TTL updates) run
		// before clearing, or they race with the next Connect's addresses
		for i := 0; i < 100 && h.Network().Connectedness(ai.ID) == network.Connected; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		h.Peerstore().RemovePeer(ai.ID)
		h.Peerstore().ClearAddrs(ai.ID)
	}()
	// drop identify events left over from a previous connection
	for drained := false; !drained; {
		select {
		case <-sub.Out():
		default:
			drained = true
		}
	}
	if err := h.Connect(ctx, *ai); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	ev, err := identified(ctx, sub, ai.ID)
	if err != nil {
		return err
	}
	pctx, pcancel := context.WithCancel(ctx)
	res := <-ping.Ping(pctx, h, ai.ID)
	pcancel()
	if res.Error != nil {
		return fmt.Errorf("ping: %w", res.Error)
	}
	out("OK %s protocols=%s agent=%s rtt_us=%d", ev.Peer, protoList(ev.Protocols), ev.AgentVersion, res.RTT.Microseconds())
	time.Sleep(linger)
	return nil
}

// dhtClient starts a server-mode DHT host, connects to the bootstrap peers and
// waits until its routing table is not empty.
func dhtClient(ctx context.Context, key, boot string, wait time.Duration) (host.Host, *dht.IpfsDHT) {
	if boot == "" {
		die("--bootstrap is required")
	}
	h := newHost(genKey(key), 0, true)
	d := newDHT(h)
	out("LISTEN %s", listenAddr(h))
	if connectBootstrap(ctx, h, boot) == 0 {
		out("FAIL no bootstrap peer reachable")
		out("RESULT ok=0 fail=1")
		os.Exit(1)
	}
	deadline := time.Now().Add(wait)
	for d.RoutingTable().Size() == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if d.RoutingTable().Size() == 0 {
		out("FAIL routing table still empty after %s", wait)
		out("RESULT ok=0 fail=1")
		os.Exit(1)
	}
	for _, p := range d.RoutingTable().ListPeers() {
		out("RT %s", p)
	}
	return h, d
}

func finish(err error, okLine string) {
	if err != nil {
		out("FAIL %s", strings.ReplaceAll(err.Error(), "\n", " "))
		out("RESULT ok=0 fail=1")
		os.Exit(1)
	}
	out("OK %s", okLine)
	out("RESULT ok=1 fail=0")
}

func cmdProvide(args []string) {
	fs := flag.NewFlagSet("provide", flag.ExitOnError)
	boot := fs.String("bootstrap", "", "comma-separated bootstrap multiaddrs")
	c := fs.String("cid", "", "CID to provide")
	key := fs.String("keytype", "ed25519", "identity key type")
	timeout := fs.Float64("timeout", 60, "seconds")
	linger := fs.Float64("linger", 0, "stay online S seconds after providing (serve the record's peer)")
	parseArgs(fs, args)
	id, err := cid.Decode(*c)
	if err != nil {
		die("bad cid: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout*float64(time.Second)))
	defer cancel()
	h, d := dhtClient(ctx, *key, *boot, 15*time.Second)
	defer h.Close()
	defer d.Close()
	err = d.Provide(ctx, id, true)
	finish(err, fmt.Sprintf("provided %s by %s", id, h.ID()))
	if err == nil && *linger > 0 {
		select {
		case <-time.After(time.Duration(*linger * float64(time.Second))):
		case <-stopSignal(0):
		}
	}
}

func cmdFindProvs(args []string) {
	fs := flag.NewFlagSet("findprovs", flag.ExitOnError)
	boot := fs.String("bootstrap", "", "comma-separated bootstrap multiaddrs")
	c := fs.String("cid", "", "CID to look up")
	expect := fs.String("expect", "", "peer id that must be among the providers")
	key := fs.String("keytype", "ed25519", "identity key type")
	timeout := fs.Float64("timeout", 60, "seconds")
	parseArgs(fs, args)
	id, err := cid.Decode(*c)
	if err != nil {
		die("bad cid: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout*float64(time.Second)))
	defer cancel()
	h, d := dhtClient(ctx, *key, *boot, 15*time.Second)
	defer h.Close()
	defer d.Close()
	found, n := false, 0
	for ai := range d.FindProvidersAsync(ctx, id, 0) {
		n++
		out("PROV %s addrs=%s", ai.ID, joinAddrs(ai.Addrs))
		if *expect != "" && ai.ID.String() == *expect {
			found = true
			cancel()
		}
	}
	switch {
	case *expect != "" && !found:
		finish(fmt.Errorf("expected provider %s not found (%d providers)", *expect, n), "")
	case *expect == "" && n == 0:
		finish(errors.New("no providers found"), "")
	default:
		finish(nil, fmt.Sprintf("providers=%d", n))
	}
}

func cmdClosest(args []string) {
	fs := flag.NewFlagSet("closest", flag.ExitOnError)
	boot := fs.String("bootstrap", "", "comma-separated bootstrap multiaddrs")
	target := fs.String("key", "", "peer id whose closest peers to look up")
	expect := fs.String("expect", "", "comma-separated peer ids that must be in the answer")
	keyType := fs.String("keytype", "ed25519", "identity key type")
	timeout := fs.Float64("timeout", 60, "seconds")
	parseArgs(fs, args)
	pid, err := peer.Decode(*target)
	if err != nil {
		die("bad peer id: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(*timeout*float64(time.Second)))
	defer cancel()
	h, d := dhtClient(ctx, *keyType, *boot, 15*time.Second)
	defer h.Close()
	defer d.Close()
	peers, err := d.GetClosestPeers(ctx, string(pid))
	if err != nil {
		finish(err, "")
		return
	}
	got := map[string]bool{}
	for _, p := range peers {
		got[p.String()] = true
		out("CLOSEST %s", p)
	}
	for _, e := range splitList(*expect) {
		if !got[e] {
			finish(fmt.Errorf("expected peer %s not among %d closest", e, len(peers)), "")
			return
		}
	}
	finish(nil, fmt.Sprintf("closest=%d", len(peers)))
}

func joinAddrs(as []ma.Multiaddr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}

func main() {
	if len(os.Args) < 2 {
		die("usage: peer listen|dial|provide|findprovs|closest|putipns|getvalue [flags]")
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "listen":
		cmdListen(args)
	case "dial":
		cmdDial(args)
	case "provide":
		cmdProvide(args)
	case "provide-many":
		cmdProvideMany(args)
	case "findprovs":
		cmdFindProvs(args)
	case "closest":
		cmdClosest(args)
	case "putipns":
		cmdPutIPNS(args)
	case "getvalue":
		cmdGetValue(args)
	case "version":
		fmt.Println(agent())
	default:
		die("unknown subcommand %q", os.Args[1])
	}
}
