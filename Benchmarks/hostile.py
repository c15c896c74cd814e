#!/usr/bin/python3
"""Attackers for Benchmarks/hostile (run inside the attacker's namespace, or V's for admin).

Each subcommand runs for a bounded time and prints one JSON line of what it did.

  link   --mode forged|benign|lookups   a real link peer (0.4 or 0.5 handshake) sending frames
  handshakes                            TCP connects to a listener, half sending a fresh metadata
                                        block, half nothing, each held 1 s
  idle                                  idle inbound connections from many source addresses,
                                        renewed when the listener closes them
  admin                                 concurrent admin clients (request loops and slow senders)
  admin-call                            one admin request; prints the reply
  udp-flood --shape random|initials     UDP datagrams at a quic listener from several processes:
                                        random bytes, or QUIC v1 Initial-shaped (long header,
                                        version 1, 1,200-1,350 bytes, random inside)

Needs only the standard library and python3-cryptography (Ed25519 for link keys and 0.5
signatures). Uses /usr/bin/python3 so a pyenv in PATH does not hide Debian's package.
"""
import argparse
import hashlib
import json
import os
import random
import resource
import selectors
import socket
import struct
import sys
import threading
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def new_key():
    priv = Ed25519PrivateKey.generate()
    return priv, priv.public_key().public_bytes(*RAW)


def key_pool(n):
    """n real Ed25519 public keys: valid points, so the victim does the full work for each."""
    return [new_key()[1] for _ in range(n)]


def uvarint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def coords(ports):
    return b"".join(uvarint(p) for p in ports) + b"\x00"


def frame(proto, wtype, body):
    """0.4: u16be length; 0.5: uvarint length. The length counts the type byte and the body."""
    n = len(body) + 1
    prefix = struct.pack(">H", n) if proto == "0.4" else uvarint(n)
    return prefix + bytes([wtype]) + body


def metadata(proto, priv, pub, password=b""):
    if proto == "0.4":
        return b"meta" + bytes([0, 4]) + pub
    tlv = lambda t, v: struct.pack(">HH", t, len(v)) + v
    body = tlv(0, b"\x00\x00") + tlv(1, b"\x00\x05") + tlv(2, pub) + tlv(3, b"\x00")
    sig = priv.sign(hashlib.blake2b(pub, digest_size=64, key=password).digest())
    return b"meta" + struct.pack(">H", len(body) + len(sig)) + body + sig


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed during the handshake")
        buf += chunk
    return buf


def link_connect(host, port, proto, identity, source=None):
    """A completed link handshake: (socket, our key, the remote key)."""
    priv, pub = identity
    s = socket.create_connection((host, port), timeout=10, source_address=source)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(metadata(proto, priv, pub))
    if proto == "0.4":
        remote = read_exact(s, 38)[6:]
    else:
        head = read_exact(s, 6)
        rest = read_exact(s, struct.unpack(">H", head[4:6])[0])
        remote = rest[rest.index(b"\x00\x02\x00\x20") + 4:][:32]
    s.settimeout(None)
    return s, pub, remote


def ready(args):
    """Tells the harness the load is on (after any set-up, such as making a key pool)."""
    if getattr(args, "ready_file", None):
        open(args.ready_file, "w").close()


def emit(**fields):
    print(json.dumps(fields), flush=True)


# --- link: a peer that sends frames at a fixed rate -----------------------------------------

def build_frames(args, own):
    """Every frame has the same length, so a batch is a slice of one joined buffer."""
    proto = args.proto
    vkey = bytes.fromhex(args.vkey)
    n = max(args.rate, 1000)
    if args.mode in ("reflect", "stall"):
        n = 100
    keys = key_pool(n) if args.mode in ("forged", "lookups") else [own]
    frames = []
    for i in range(n):
        src = keys[i % len(keys)]
        if args.mode == "forged":
            # Session traffic (type 3) from a key with no session, addressed to V.
            payload = b"\x03" + os.urandom(60)
            if proto == "0.4":
                frames.append(frame(proto, 9, src + vkey + b"\x01" + payload))
            else:
                path = coords(args.vcoords)
                frames.append(frame(proto, 9, path + coords([]) + src + vkey + uvarint(1 << 40) + payload))
        elif args.mode == "benign":
            # A session dummy (type 0) through V to the victim P2: forwarded, dropped at P2.
            dest = bytes.fromhex(args.dest)
            payload = b"\x00" + os.urandom(60)
            if proto == "0.4":
                frames.append(frame(proto, 9, own + dest + b"\x01" + payload))
            else:
                frames.append(frame(proto, 9, coords(args.destcoords) + coords([]) + own + dest
                                    + uvarint(1 << 40) + payload))
        elif args.mode == "lookups":
            if proto == "0.4":
                # An out-of-band key lookup (type 1 + signature) that keyspace routing stops at V;
                # the signature does not verify.
                frames.append(frame(proto, 9, src + vkey + b"\x02" + b"\x01" + os.urandom(64)))
            else:
                # A path lookup (type 6) for a random key from a random source.
                frames.append(frame(proto, 6, src + os.urandom(32) + coords([])))
        elif args.mode in ("reflect", "stall"):
            # 0.4: traffic addressed to ourselves, which V sends straight back to us. 0.5: V
            # cannot route to a peer outside its tree, so we send keepalives and V has only its
            # protocol frames for us.
            if proto == "0.4":
                frames.append(frame(proto, 9, own + own + b"\x01" + b"\x00" + os.urandom(1000)))
            else:
                frames.append(frame(proto, 1, b""))
    lengths = {len(f) for f in frames}
    if len(lengths) != 1:  # uvarint coords could differ in length: pad to the common case
        frames = [f for f in frames if len(f) == len(frames[0])]
    return b"".join(frames), len(frames[0]), len(frames)


def cmd_link(args):
    # Frames first: a link that stays silent for a few seconds after its handshake is closed.
    identity = new_key()
    blob, flen, count = build_frames(args, identity[1])
    s, own, remote = link_connect(args.host, args.port, args.proto, identity)
    received = [0]

    def reader():
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                received[0] += len(d)
        except OSError:
            pass

    if args.mode != "stall":
        threading.Thread(target=reader, daemon=True).start()
    ready(args)
    tick = 0.01
    per_tick = max(1, args.rate // 100)
    sent = 0
    start = time.monotonic()
    closed = None
    i = 0
    while time.monotonic() - start < args.seconds:
        target = int((time.monotonic() - start) / tick) * per_tick + per_tick
        if sent < target:
            n = min(target - sent, count - i, per_tick * 10)
            try:
                s.sendall(blob[i * flen:(i + n) * flen])
            except OSError as e:
                closed = "%s after %.1f s" % (e, time.monotonic() - start)
                break
            sent += n
            i = (i + n) % count
        else:
            time.sleep(tick / 2)
    elapsed = time.monotonic() - start
    if args.mode == "stall" and closed is None:
        # Not reading, we cannot see a close until a send fails: try once more now.
        try:
            s.setblocking(False)
            s.send(blob[:flen])
        except BlockingIOError:
            closed = None
        except OSError as e:
            closed = "%s (at the end)" % e
    emit(attacker="link", mode=args.mode, proto=args.proto, frames=sent, frame_bytes=flen,
         rate=round(sent / elapsed), seconds=round(elapsed, 1), received_bytes=received[0],
         closed_by_victim=closed)
    s.close()


# --- handshakes: many short connection attempts ---------------------------------------------

def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def cmd_handshakes(args):
    raise_nofile()
    # 0.5 blocks are signed: made ahead (a pool of fresh keys, reused in turn) so that signing
    # does not limit the attempt rate. 0.4 blocks take a fresh random key each.
    blocks = [metadata("0.5", *new_key()) for _ in range(2000)] if args.proto == "0.5" else []
    sel = selectors.DefaultSelector()
    family = socket.AF_INET6
    open_socks = {}  # sock -> (close_at, send_meta)
    stats = dict(attempts=0, connected=0, refused=0, meta_sent=0, closed_by_victim=0, errors=0)
    start = time.monotonic()
    tick = 0.005
    per_tick = max(1, int(args.rate * tick))
    ready(args)
    next_tick = start
    while True:
        now = time.monotonic()
        if now - start >= args.seconds:
            break
        if now >= next_tick:
            next_tick += tick
            for _ in range(per_tick):
                s = socket.socket(family, socket.SOCK_STREAM)
                s.setblocking(False)
                stats["attempts"] += 1
                send_meta = stats["attempts"] % 2 == 0
                rc = s.connect_ex((args.host, args.port))
                if rc not in (0, 115):  # EINPROGRESS
                    stats["errors"] += 1
                    s.close()
                    continue
                open_socks[s] = (now + args.hold, send_meta, False)
                sel.register(s, selectors.EVENT_WRITE)
        for key, ev in sel.select(timeout=tick / 2):
            s = key.fileobj
            close_at, send_meta, up = open_socks[s]
            if not up:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    stats["refused"] += 1
                    sel.unregister(s); s.close(); del open_socks[s]
                    continue
                stats["connected"] += 1
                if send_meta:
                    try:
                        s.send(blocks[stats["meta_sent"] % len(blocks)] if blocks else
                               metadata("0.4", None, os.urandom(32)))
                        stats["meta_sent"] += 1
                    except OSError:
                        pass
                open_socks[s] = (close_at, send_meta, True)
                sel.modify(s, selectors.EVENT_READ)
            else:
                try:
                    d = s.recv(4096)
                except OSError:
                    d = b""
                if not d:
                    stats["closed_by_victim"] += 1
                    sel.unregister(s); s.close(); del open_socks[s]
        now = time.monotonic()
        for s in [s for s, v in open_socks.items() if v[0] <= now]:
            sel.unregister(s); s.close(); del open_socks[s]
    for s in list(open_socks):
        s.close()
    elapsed = time.monotonic() - start
    emit(attacker="handshakes", proto=args.proto, rate=round(stats["attempts"] / elapsed), **stats)


# --- idle: idle inbound connections from many addresses -------------------------------------

def cmd_idle(args):
    raise_nofile()
    sel = selectors.DefaultSelector()
    addrs = args.addrs.split(",")
    stats = dict(opened=0, closed_by_victim=0, refused=0, max_open=0)
    conns = {}

    def open_one(src):
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((src, 0))
        s.connect_ex((args.host, args.port))
        conns[s] = (src, False)
        sel.register(s, selectors.EVENT_WRITE)
        stats["opened"] += 1

    for src in addrs:
        for _ in range(args.per_addr):
            open_one(src)
    start = time.monotonic()
    ready(args)
    while time.monotonic() - start < args.seconds:
        for key, ev in sel.select(timeout=0.1):
            s = key.fileobj
            src, up = conns[s]
            if not up:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    stats["refused"] += 1
                    sel.unregister(s); s.close(); del conns[s]
                    open_one(src)
                    continue
                conns[s] = (src, True)
                sel.modify(s, selectors.EVENT_READ)
            else:
                try:
                    d = s.recv(4096)  # V's metadata, then nothing (or the close)
                except OSError:
                    d = b""
                if not d:
                    stats["closed_by_victim"] += 1
                    sel.unregister(s); s.close(); del conns[s]
                    open_one(src)
        stats["max_open"] = max(stats["max_open"], sum(1 for v in conns.values() if v[1]))
    for s in list(conns):
        s.close()
    emit(attacker="idle", addresses=len(addrs), **stats)


# --- admin: many concurrent admin clients ---------------------------------------------------

def admin_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s


def admin_request(s, request):
    s.sendall(json.dumps(request).encode() + b"\n")
    buf = b""
    dec = json.JSONDecoder()
    while True:
        d = s.recv(65536)
        if not d:
            raise ConnectionError("closed")
        buf += d
        try:
            obj, _ = dec.raw_decode(buf.decode().strip())
            return obj
        except ValueError:
            continue


def cmd_admin(args):
    raise_nofile()
    stop = time.monotonic() + args.seconds
    lock = threading.Lock()
    stats = dict(answered=0, connect_failed=0, closed_or_timed_out=0, dripped_bytes=0)

    def bump(k, n=1):
        with lock:
            stats[k] += n

    def requester():
        while time.monotonic() < stop:
            try:
                s = admin_socket(args.socket)
            except OSError:
                bump("connect_failed"); time.sleep(0.1); continue
            try:
                while time.monotonic() < stop:
                    admin_request(s, {"request": "getPeers", "arguments": {}})
                    bump("answered")
            except (OSError, ValueError):
                bump("closed_or_timed_out")
            finally:
                s.close()

    def dripper():
        # An unfinished JSON string sent in small pieces: a splitter that rescans its whole
        # buffer on every read does quadratic work.
        while time.monotonic() < stop:
            try:
                s = admin_socket(args.socket)
            except OSError:
                bump("connect_failed"); time.sleep(0.1); continue
            try:
                s.sendall(b'{"request": "getPeers", "pad": "')
                sent = 0
                while time.monotonic() < stop and sent < args.drip_limit:
                    s.sendall(b"a" * 4096)
                    sent += 4096
                    bump("dripped_bytes", 4096)
                    time.sleep(0.01)
                while time.monotonic() < stop:
                    time.sleep(0.2)
            except OSError:
                bump("closed_or_timed_out")
            finally:
                s.close()

    threads = [threading.Thread(target=dripper if i % 4 == 3 else requester, daemon=True)
               for i in range(args.clients)]
    for t in threads:
        t.start()
    ready(args)
    for t in threads:
        t.join(timeout=max(0.1, stop - time.monotonic() + 6))
    emit(attacker="admin", clients=args.clients, **stats)


def cmd_admin_call(args):
    s = admin_socket(args.socket)
    req = {"request": args.request, "arguments": json.loads(args.arguments)}
    print(json.dumps(admin_request(s, req)))


def cmd_udp_flood(args):
    """`--senders` processes each send rate/senders datagrams a second (one Python loop may not
    keep 50,000 a second on a busy machine), paced in bursts of 100."""
    rng = random.Random(args.seed)
    payloads = []
    for _ in range(256):
        if args.shape == "initials":
            p = bytearray(rng.randbytes(rng.randint(1200, 1350)))
            p[0] = 0xC0 | (p[0] & 0x0F); p[1:5] = b"\x00\x00\x00\x01"; p[5] = 8
        else:
            p = bytearray(rng.randbytes(rng.randint(40, 1350)))
        payloads.append(bytes(p))
    per = args.rate / args.senders
    results = []
    children = []
    for n in range(args.senders):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            target = (args.host, args.port)
            sent = errors = 0
            start = time.monotonic()
            stop = start + args.seconds
            i = n
            while True:
                now = time.monotonic()
                if now >= stop:
                    break
                due = int((now - start) * per) - sent
                if due <= 0:
                    time.sleep(0.001)
                    continue
                for _ in range(min(due, 100)):
                    try:
                        s.sendto(payloads[i & 255], target)
                        sent += 1
                    except OSError:
                        errors += 1
                        sent += 1
                    i += 1
            os.write(w, json.dumps({"sent": sent, "errors": errors}).encode())
            os._exit(0)
        os.close(w)
        children.append((pid, r))
    ready(args)
    for pid, r in children:
        data = b""
        while chunk := os.read(r, 4096):
            data += chunk
        os.waitpid(pid, 0)
        results.append(json.loads(data or b"{}"))
    emit(attacker="udp-flood", shape=args.shape, rate=args.rate, seconds=args.seconds,
         sent=sum(x.get("sent", 0) for x in results), send_errors=sum(x.get("errors", 0) for x in results))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    l = sub.add_parser("link")
    l.add_argument("--host", required=True); l.add_argument("--port", type=int, default=12345)
    l.add_argument("--proto", choices=["0.4", "0.5"], required=True)
    l.add_argument("--mode", choices=["forged", "benign", "lookups", "reflect", "stall"], required=True)
    l.add_argument("--rate", type=int, default=10000); l.add_argument("--seconds", type=float, default=10)
    l.add_argument("--vkey", required=True, help="V's public key (hex)")
    l.add_argument("--vcoords", default="", help="V's coordinates (0.5), comma-separated")
    l.add_argument("--dest", help="benign destination key (hex)")
    l.add_argument("--destcoords", default="", help="benign destination's coordinates (0.5)")
    h = sub.add_parser("handshakes")
    h.add_argument("--host", required=True); h.add_argument("--port", type=int, default=12345)
    h.add_argument("--proto", choices=["0.4", "0.5"], required=True)
    h.add_argument("--rate", type=int, default=1000); h.add_argument("--seconds", type=float, default=10)
    h.add_argument("--hold", type=float, default=1.0)
    i = sub.add_parser("idle")
    i.add_argument("--host", required=True); i.add_argument("--port", type=int, default=12345)
    i.add_argument("--addrs", required=True); i.add_argument("--per-addr", type=int, default=10)
    i.add_argument("--seconds", type=float, default=10)
    a = sub.add_parser("admin")
    a.add_argument("--socket", required=True); a.add_argument("--clients", type=int, default=200)
    a.add_argument("--seconds", type=float, default=10)
    a.add_argument("--drip-limit", type=int, default=2 << 20)
    c = sub.add_parser("admin-call")
    c.add_argument("--socket", required=True); c.add_argument("request")
    c.add_argument("--arguments", default="{}")
    u = sub.add_parser("udp-flood")
    u.add_argument("--host", required=True); u.add_argument("--port", type=int, required=True)
    u.add_argument("--shape", choices=["random", "initials"], default="random")
    u.add_argument("--rate", type=int, default=50000); u.add_argument("--senders", type=int, default=2)
    u.add_argument("--seconds", type=float, default=10); u.add_argument("--seed", type=int, default=1)
    for sp in (l, h, i, a, u):
        sp.add_argument("--ready-file", help="created once the load is on")
    args = p.parse_args()
    for name in ("vcoords", "destcoords"):
        if hasattr(args, name):
            v = getattr(args, name)
            setattr(args, name, [int(x) for x in v.split(",") if x])
    {"link": cmd_link, "handshakes": cmd_handshakes, "idle": cmd_idle, "admin": cmd_admin,
     "admin-call": cmd_admin_call, "udp-flood": cmd_udp_flood}[args.cmd](args)


if __name__ == "__main__":
    main()
