#!/usr/bin/env node
// js-libp2p test peer for the hydra interop harness. Same subcommands and output
// contract as ../go (see ../README.md):
//
//   node peer.mjs listen    [--port 0] [--key ed25519|rsa|ecdsa|secp256k1] [--dht] [--bootstrap maddr,...] [--duration S]
//                           [--hosts N] [--store map|indexed]
//   node peer.mjs dial      <maddr/p2p/id> [--count N] [--key type]
//   node peer.mjs provide   --bootstrap maddr[,maddr] --cid CID [--linger S]
//   node peer.mjs findprovs --bootstrap maddr[,maddr] --cid CID [--expect peerid]
//   node peer.mjs closest   --bootstrap maddr[,maddr] --key peerid [--expect peerid,...]
//   node peer.mjs putipns   --bootstrap maddr[,maddr] --value /ipfs/CID [--seq N] [--invalid] [--keyfile F]
//   node peer.mjs getvalue  --bootstrap maddr[,maddr] --name peerid [--expect /ipfs/CID]

import fs from 'node:fs'
import { parseArgs } from 'node:util'

// libp2p 2.x calls Promise.withResolvers (Node >= 22) once; provide it on Node 20.
// This must run before libp2p is loaded, hence the dynamic imports below.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve, reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

const { createLibp2p } = await import('libp2p')
const { tcp } = await import('@libp2p/tcp')
const { noise } = await import('@chainsafe/libp2p-noise')
const { yamux } = await import('@chainsafe/libp2p-yamux')
const { identify } = await import('@libp2p/identify')
const { ping } = await import('@libp2p/ping')
const { kadDHT, passthroughMapper } = await import('@libp2p/kad-dht')
const { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } = await import('@libp2p/crypto/keys')
const { peerIdFromString, peerIdFromPrivateKey } = await import('@libp2p/peer-id')
const { multiaddr } = await import('@multiformats/multiaddr')
const { CID } = await import('multiformats/cid')
const ipns = await import('ipns')
const { ipnsValidator } = await import('ipns/validator')
const { lpStream } = await import('it-length-prefixed-stream')
// kad-dht's own wire messages (not in its package exports, so by file URL)
const kadMsg = await import(new URL('./node_modules/@libp2p/kad-dht/dist/src/message/dht.js', import.meta.url))

const pkg = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url)))
const AGENT = `hydra-interop-js libp2p/${pkg.dependencies.libp2p} kad-dht/${pkg.dependencies['@libp2p/kad-dht']}`

const out = (line) => { fs.writeSync(1, line + '\n') }
const logf = (line) => { fs.writeSync(2, 'js-peer: ' + line + '\n') }
const die = (msg) => { logf(msg); process.exit(2) }
const oneLine = (e) => String(e?.message ?? e).replace(/\s+/g, ' ')
const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))
const splitList = (s) => (s ?? '').split(',').map(x => x.trim()).filter(Boolean)

async function genKey (kind = 'ed25519') {
  switch (kind.toLowerCase()) {
    case 'ed25519': return generateKeyPair('Ed25519')
    case 'rsa': return generateKeyPair('RSA', 2048)
    // @libp2p/crypto 5.1.8 generates ECDSA keys, but @libp2p/peer-id 5.1.9 cannot derive
    // a peer ID from an ECDSA public key (UnsupportedKeyTypeError): js-libp2p 2.x can
    // neither use an ECDSA identity nor accept an ECDSA peer.
    case 'ecdsa': die('ECDSA identities are not supported by js-libp2p 2.x (@libp2p/peer-id 5.1.9)'); break
    case 'secp256k1': return generateKeyPair('secp256k1')
    default: die(`unknown key type ${kind} (ed25519, rsa, ecdsa, secp256k1)`)
  }
}

// An in-memory datastore (datastore-core's MemoryDatastore, the libp2p
// default) with an index by parent key: the default walks every stored entry
// for each prefix query, so every GET_PROVIDERS costs time proportional to all
// records held; with the index, a query whose prefix is a parent key (one
// CID's provider records) reads only that key's children, as a sorted on-disk
// store would.  Used by the side-by-side benchmark (--store indexed).
async function indexedDatastore () {
  const { MemoryDatastore } = await import('datastore-core')
  const { Key } = await import('interface-datastore')
  class IndexedDatastore extends MemoryDatastore {
    children = new Map()
    put (key, val, options) {
      const k = key.toString()
      if (!this.data.has(k)) {
        const p = key.parent().toString()
        let c = this.children.get(p)
        if (c == null) { c = new Set(); this.children.set(p, c) }
        c.add(k)
      }
      return super.put(key, val, options)
    }

    delete (key, options) {
      const p = key.parent().toString()
      const c = this.children.get(p)
      if (c != null) {
        c.delete(key.toString())
        if (c.size === 0) this.children.delete(p)
      }
      return super.delete(key, options)
    }

    * _all (q, options) {
      const c = q.prefix != null && q.prefix !== '/' ? this.children.get(q.prefix.replace(/\/$/, '')) : undefined
      if (c == null) { yield * super._all(q, options); return }
      for (const k of c) yield { key: new Key(k), value: this.data.get(k) }
    }
  }
  return new IndexedDatastore()
}

async function newNode ({ key, port, dht, datastore }) {
  const services = {
    identify: identify({ agentVersion: AGENT }),
    ping: ping()
  }
  if (dht) {
    services.dht = kadDHT({
      protocol: '/ipfs/kad/1.0.0',
      clientMode: false,
      peerInfoMapper: passthroughMapper,
      allowQueryWithZeroPeers: true
    })
  }
  return createLibp2p({
    privateKey: await genKey(key),
    addresses: { listen: port == null ? [] : [`/ip4/127.0.0.1/tcp/${port}`] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(datastore != null ? { datastore } : {}),
    connectionManager: {
      // the harness opens many connections from 127.0.0.1 in quick succession
      inboundConnectionThreshold: 10000,
      maxIncomingPendingConnections: 1000,
      allow: ['/ip4/127.0.0.1']
    },
    services
  })
}

const protoList = (ps) => [...ps].sort().join(',')

function listenAddr (node) {
  const a = node.getMultiaddrs().find(m => m.toString().includes('/tcp/'))
  if (a == null) die('node has no TCP listen address')
  const s = a.toString()
  return s.includes('/p2p/') ? s : `${s}/p2p/${node.peerId}`
}

// resolves on SIGTERM/SIGINT, after duration, or at EOF on stdin when stdin is
// a pipe or socket (a /dev/null stdin is ignored so background jobs keep running)
function stopSignal (duration) {
  return new Promise(resolve => {
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
    if (duration > 0) setTimeout(resolve, duration * 1000)
    try {
      const st = fs.fstatSync(0)
      if (st.isFIFO() || st.isSocket()) {
        process.stdin.on('end', resolve)
        process.stdin.resume()
      }
    } catch {}
  })
}

function watchRT (dht) {
  const rt = dht.routingTable
  rt.addEventListener('peer:add', (evt) => out(`RTADD ${evt.detail}`))
  rt.addEventListener('peer:remove', (evt) => out(`RTDEL ${evt.detail}`))
}

async function connectBootstrap (node, list) {
  let n = 0
  for (const s of splitList(list)) {
    try {
      const conn = await node.dial(multiaddr(s), { signal: AbortSignal.timeout(15000) })
      out(`BOOTSTRAP ${conn.remotePeer}`)
      n++
    } catch (e) {
      logf(`bootstrap ${s}: ${oneLine(e)}`)
    }
  }
  return n
}

function waitIdentify (node, peerId, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { node.removeEventListener('peer:identify', onId); reject(new Error(`identify timeout after ${ms} ms`)) }, ms)
    function onId (evt) {
      if (evt.detail.peerId.equals(peerId)) {
        clearTimeout(timer)
        node.removeEventListener('peer:identify', onId)
        resolve(evt.detail)
      }
    }
    node.addEventListener('peer:identify', onId)
  })
}

async function cmdListen (args) {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '0' },
      key: { type: 'string', default: 'ed25519' },
      dht: { type: 'boolean', default: false },
      bootstrap: { type: 'string', default: '' },
      duration: { type: 'string', default: '0' },
      // several hosts in this process (the benchmark's memory per idle host);
      // each prints its own LISTEN line, the first one takes --port
      hosts: { type: 'string', default: '1' },
      store: { type: 'string', default: 'map' }
    }
  })
  if (values.store !== 'map' && values.store !== 'indexed') die('--store must be map or indexed')
  const extra = []
  for (let i = 1; i < Number(values.hosts); i++) {
    const n = await newNode({
      key: values.key,
      port: 0,
      dht: values.dht,
      datastore: values.store === 'indexed' ? await indexedDatastore() : undefined
    })
    extra.push(n)
  }
  const node = await newNode({
    key: values.key,
    port: Number(values.port),
    dht: values.dht,
    datastore: values.store === 'indexed' ? await indexedDatastore() : undefined
  })
  node.addEventListener('peer:identify', (evt) => {
    const r = evt.detail
    out(`PEER ${r.peerId} protocols=${protoList(r.protocols)} agent=${r.agentVersion ?? ''}`)
  })
  await node.start()
  out(`LISTEN ${listenAddr(node)}`)
  for (const n of extra) {
    await n.start()
    out(`LISTEN ${listenAddr(n)}`)
  }
  if (values.dht) watchRT(node.services.dht)
  if (values.bootstrap !== '') {
    connectBootstrap(node, values.bootstrap).catch(e => logf(oneLine(e)))
  }
  await stopSignal(Number(values.duration))
  await Promise.race([Promise.all([node, ...extra].map(n => n.stop())), sleep(2000)])
  process.exit(0)
}

async function cmdDial (args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      count: { type: 'string', default: '1' },
      key: { type: 'string', default: 'ed25519' },
      timeout: { type: 'string', default: '20' },
      // keep each connection open this long after the ping, so the remote can finish identifying us
      'linger-ms': { type: 'string', default: '200' }
    }
  })
  if (positionals.length !== 1) die('usage: dial <multiaddr/p2p/id> [--count N] [--key type]')
  const ma = multiaddr(positionals[0])
  const remote = ma.getPeerId()
  if (remote == null) die('multiaddr must end in /p2p/<id>')
  const remoteId = peerIdFromString(remote)
  const node = await newNode({ key: values.key, port: null, dht: false })
  await node.start()
  out(`SELF ${node.peerId}`)
  let ok = 0; let fail = 0
  const count = Number(values.count)
  const timeoutMs = Number(values.timeout) * 1000
  for (let i = 0; i < count; i++) {
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      const idp = waitIdentify(node, remoteId, timeoutMs)
      idp.catch(() => {})
      await node.dial(ma, { signal })
      const r = await idp
      const t0 = process.hrtime.bigint()
      await node.services.ping.ping(remoteId, { signal })
      const rttUs = Number((process.hrtime.bigint() - t0) / 1000n)
      out(`OK ${r.peerId} protocols=${protoList(r.protocols)} agent=${r.agentVersion ?? ''} rtt_us=${rttUs}`)
      ok++
      await sleep(Number(values['linger-ms']))
    } catch (e) {
      out(`FAIL ${oneLine(e)}`)
      fail++
    } finally {
      // fresh state for the next round: no connection, nothing cached about the remote
      try { await node.hangUp(remoteId) } catch {}
      try { await node.peerStore.delete(remoteId) } catch {}
    }
  }
  out(`RESULT ok=${ok} fail=${fail}`)
  await Promise.race([node.stop(), sleep(2000)])
  process.exit(fail > 0 ? 1 : 0)
}

// a server-mode DHT node connected to the bootstrap peers, with a non-empty routing table
async function dhtClient (values) {
  if (values.bootstrap === '') die('--bootstrap is required')
  const node = await newNode({ key: values.keytype ?? 'ed25519', port: 0, dht: true })
  await node.start()
  out(`LISTEN ${listenAddr(node)}`)
  const failExit = async (msg) => {
    out(`FAIL ${msg}`)
    out('RESULT ok=0 fail=1')
    await Promise.race([node.stop(), sleep(2000)])
    process.exit(1)
  }
  if (await connectBootstrap(node, values.bootstrap) === 0) await failExit('no bootstrap peer reachable')
  const rt = node.services.dht.routingTable
  const deadline = Date.now() + 15000
  while (rt.size === 0 && Date.now() < deadline) await sleep(100)
  if (rt.size === 0) await failExit('routing table still empty after 15 s')
  out(`RT size=${rt.size}`)
  return { node, failExit }
}

async function finish (node, err, okLine) {
  if (err != null) {
    out(`FAIL ${oneLine(err)}`)
    out('RESULT ok=0 fail=1')
  } else {
    out(`OK ${okLine}`)
    out('RESULT ok=1 fail=0')
  }
  return err != null ? 1 : 0
}

const dhtOptions = {
  bootstrap: { type: 'string', default: '' },
  cid: { type: 'string', default: '' },
  expect: { type: 'string', default: '' },
  keytype: { type: 'string', default: 'ed25519' },
  timeout: { type: 'string', default: '60' },
  linger: { type: 'string', default: '0' }
}

async function cmdProvide (args) {
  const { values } = parseArgs({ args, options: dhtOptions })
  const cid = CID.parse(values.cid)
  const { node } = await dhtClient(values)
  let err = null
  try {
    await node.contentRouting.provide(cid, { signal: AbortSignal.timeout(Number(values.timeout) * 1000) })
  } catch (e) { err = e }
  const rc = await finish(node, err, `provided ${cid} by ${node.peerId}`)
  if (rc === 0 && Number(values.linger) > 0) await Promise.race([sleep(Number(values.linger) * 1000), stopSignal(0)])
  await Promise.race([node.stop(), sleep(2000)])
  process.exit(rc)
}

async function cmdFindProvs (args) {
  const { values } = parseArgs({ args, options: dhtOptions })
  const cid = CID.parse(values.cid)
  const { node } = await dhtClient(values)
  const ctl = new AbortController()
  const timer = setTimeout(() => ctl.abort(), Number(values.timeout) * 1000)
  let n = 0; let found = false; let err = null
  try {
    for await (const p of node.contentRouting.findProviders(cid, { signal: ctl.signal })) {
      n++
      out(`PROV ${p.id} addrs=${p.multiaddrs.map(String).join(',')}`)
      if (values.expect !== '' && p.id.toString() === values.expect) { found = true; break }
    }
  } catch (e) {
    if (!found && n === 0) err = e
  }
  clearTimeout(timer)
  if (err == null) {
    if (values.expect !== '' && !found) err = new Error(`expected provider ${values.expect} not found (${n} providers)`)
    else if (values.expect === '' && n === 0) err = new Error('no providers found')
  }
  const rc = await finish(node, err, `providers=${n}`)
  await Promise.race([node.stop(), sleep(2000)])
  process.exit(rc)
}

async function cmdClosest (args) {
  const { values } = parseArgs({ args, options: { ...dhtOptions, key: { type: 'string', default: '' } } })
  const target = peerIdFromString(values.key)
  const { node } = await dhtClient(values)
  const got = new Set()
  let err = null
  try {
    for await (const p of node.peerRouting.getClosestPeers(target.toMultihash().bytes, { signal: AbortSignal.timeout(Number(values.timeout) * 1000) })) {
      got.add(p.id.toString())
      out(`CLOSEST ${p.id}`)
    }
  } catch (e) { err = e }
  if (err == null) {
    for (const e of splitList(values.expect)) {
      if (!got.has(e)) { err = new Error(`expected peer ${e} not among ${got.size} closest`); break }
    }
  }
  const rc = await finish(node, err, `closest=${got.size}`)
  await Promise.race([node.stop(), sleep(2000)])
  process.exit(rc)
}

// IPNS through chosen peers: one PUT_VALUE / GET_VALUE straight to each
// --bootstrap peer over /ipfs/kad/1.0.0 (kad-dht's wire messages), so a test
// decides which head sees the request.
const KAD = '/ipfs/kad/1.0.0'

async function kadRequest (node, ma, msg, timeoutMs) {
  const signal = AbortSignal.timeout(timeoutMs)
  const stream = await node.dialProtocol(ma, KAD, { signal })
  try {
    const lp = lpStream(stream, { maxDataLength: 1 << 20 })
    await lp.write(kadMsg.Message.encode(msg), { signal })
    const buf = await lp.read({ signal })
    return kadMsg.Message.decode(buf)
  } catch (e) {
    stream.abort(e)
    throw new Error(`no response: ${oneLine(e)}`)
  } finally {
    try { await stream.close() } catch {}
  }
}

async function loadOrCreateKey (file) {
  if (file !== '' && fs.existsSync(file)) return privateKeyFromProtobuf(fs.readFileSync(file))
  const k = await generateKeyPair('Ed25519')
  if (file !== '') fs.writeFileSync(file, privateKeyToProtobuf(k), { mode: 0o600 })
  return k
}

async function oneShot (rc, node) {
  await Promise.race([node.stop(), sleep(2000)])
  process.exit(rc)
}

async function cmdPutIPNS (args) {
  const { values } = parseArgs({
    args,
    options: {
      bootstrap: { type: 'string', default: '' },
      value: { type: 'string', default: '' },
      seq: { type: 'string', default: '1' },
      invalid: { type: 'boolean', default: false },
      keyfile: { type: 'string', default: '' },
      lifetime: { type: 'string', default: '3600' },
      timeout: { type: 'string', default: '30' }
    }
  })
  if (values.bootstrap === '' || !values.value.startsWith('/ipfs/')) die('usage: putipns --bootstrap maddr --value /ipfs/CID')
  const key = await loadOrCreateKey(values.keyfile)
  const seq = BigInt(values.seq)
  const rec = await ipns.createIPNSRecord(key, values.value, seq, Number(values.lifetime) * 1000)
  if (values.invalid) {
    const i = rec.signatureV2.length >> 1
    rec.signatureV2[i] ^= 0x55
  }
  const data = ipns.marshalIPNSRecord(rec)
  const name = peerIdFromPrivateKey(key)
  out(`NAME ${name}`)
  const routingKey = ipns.multihashToIPNSRoutingKey(name.toMultihash())
  const node = await newNode({ key: 'ed25519', port: null, dht: false })
  await node.start()
  const errs = []
  for (const s of splitList(values.bootstrap)) {
    const ma = multiaddr(s)
    try {
      const resp = await kadRequest(node, ma, {
        type: kadMsg.MessageType.PUT_VALUE,
        key: routingKey,
        record: kadMsg.Record.encode({ key: routingKey, value: data })
      }, Number(values.timeout) * 1000)
      const echoed = resp.record != null ? kadMsg.Record.decode(resp.record) : null
      if (echoed == null || Buffer.compare(Buffer.from(echoed.value ?? []), Buffer.from(data)) !== 0) throw new Error('value not put correctly')
      out(`PUT ${ma.getPeerId()} seq=${seq}`)
    } catch (e) {
      errs.push(`${ma.getPeerId()}: ${oneLine(e)}`)
    }
  }
  const rc = await finish(node, errs.length > 0 ? new Error(errs.join('; ')) : null, `put ${name} seq=${seq}`)
  await oneShot(rc, node)
}

async function cmdGetValue (args) {
  const { values } = parseArgs({
    args,
    options: {
      bootstrap: { type: 'string', default: '' },
      name: { type: 'string', default: '' },
      expect: { type: 'string', default: '' },
      timeout: { type: 'string', default: '30' }
    }
  })
  if (values.bootstrap === '' || values.name === '') die('usage: getvalue --bootstrap maddr --name peerid')
  const name = peerIdFromString(values.name)
  const routingKey = ipns.multihashToIPNSRoutingKey(name.toMultihash())
  const node = await newNode({ key: 'ed25519', port: null, dht: false })
  await node.start()
  let err = null
  for (const s of splitList(values.bootstrap)) {
    const ma = multiaddr(s)
    try {
      const resp = await kadRequest(node, ma, { type: kadMsg.MessageType.GET_VALUE, key: routingKey },
        Number(values.timeout) * 1000)
      if (resp.record == null) throw new Error('no record')
      const r = kadMsg.Record.decode(resp.record)
      if (Buffer.compare(Buffer.from(r.key ?? []), Buffer.from(routingKey)) !== 0) throw new Error('record key differs from the request key')
      await ipnsValidator(routingKey, r.value)
      const rec = ipns.unmarshalIPNSRecord(r.value)
      out(`VALUE ${rec.value}`)
      out(`SEQ ${rec.sequence}`)
      if (values.expect !== '' && rec.value !== values.expect) throw new Error(`value ${rec.value}, expected ${values.expect}`)
    } catch (e) {
      err = new Error(`${ma.getPeerId()}: ${oneLine(e)}`)
      break
    }
  }
  const rc = await finish(node, err, `got ${name}`)
  await oneShot(rc, node)
}

const [cmd, ...rest] = process.argv.slice(2)
try {
  switch (cmd) {
    case 'listen': await cmdListen(rest); break
    case 'dial': await cmdDial(rest); break
    case 'provide': await cmdProvide(rest); break
    case 'findprovs': await cmdFindProvs(rest); break
    case 'closest': await cmdClosest(rest); break
    case 'putipns': await cmdPutIPNS(rest); break
    case 'getvalue': await cmdGetValue(rest); break
    case 'version': out(AGENT); process.exit(0); break
    default: die('usage: peer.mjs listen|dial|provide|findprovs|closest|putipns|getvalue [options]')
  }
} catch (e) {
  die(e?.stack ?? String(e))
}
