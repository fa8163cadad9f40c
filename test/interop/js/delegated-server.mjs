// A Delegated Routing V1 HTTP server (@helia/delegated-routing-v1-http-api-server)
// for the hydra tests: one fixed provider for one CID (matched by multihash),
// on 127.0.0.1 and an ephemeral port.  Prints "LISTEN http://127.0.0.1:<port>".
//
//   node delegated-server.mjs --cid <cid> --peer <peer id> --addr <multiaddr> [--delay <ms>]
//
// --delay holds every answer back that long (a slow endpoint).
import { createDelegatedRoutingV1HttpApiServer } from '@helia/delegated-routing-v1-http-api-server'
import { CID } from 'multiformats/cid'

// Value of a --name option, or a default
function arg (name, dflt) {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt
}

const target = CID.parse(arg('cid', '')).multihash.bytes
const peer = arg('peer', '')
const addr = arg('addr', '')
const delay = Number(arg('delay', '0'))

// Equal byte arrays
function same (a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

// Only the routing part of a Helia node is used by the providers route
const helia = {
  routing: {
    async * findProviders (cid, options) {
      if (delay > 0) {
        await new Promise(resolve => setTimeout(resolve, delay))
      }
      if (same(cid.multihash.bytes, target)) {
        yield { id: { toString: () => peer }, multiaddrs: [{ toString: () => addr }] }
      }
    }
  }
}

const server = await createDelegatedRoutingV1HttpApiServer(helia, {
  listen: { host: '127.0.0.1', port: 0 }
})
const { port } = server.server.address()
console.log(`LISTEN http://127.0.0.1:${port}`)
process.on('SIGTERM', () => { server.close().finally(() => process.exit(0)) })
