#!/usr/bin/python3
"""A TCP relay that makes a real node look like a peer that stopped reading.

    S ──▶ relay ──▶ V        S dials the relay; the relay dials V and joins the two.

S→V is forwarded at full speed, so V keeps receiving S's frames (keepalives, answers) and no
read timeout of V's fires. V→S is forwarded at full speed too, except while the stall file
exists: then the relay reads V's socket only `--trickle` bytes a second (its own receive buffer
made small), forwarding what it reads to S, so V's kernel send buffer and then V's channel fill
while S still gets a frame now and then (and S's own read deadline does not fire either). This
stalls V's sending side without touching its ACKs, which a shaper on the link cannot do.

Standard library only. Runs until --seconds pass (or forever with 0); prints one JSON line.

  stall-relay.py --listen [::1]:12400 --to [fd7c:3::2]:12345 --stall-file F [--trickle 1024]
"""
import argparse
import json
import os
import select
import signal
import socket
import threading
import time


def parse(hostport):
    host, _, port = hostport.rpartition(":")
    return host.strip("[]"), int(port)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True, help="[host]:port S dials")
    p.add_argument("--to", required=True, help="[host]:port of V")
    p.add_argument("--stall-file", required=True, help="V→S is trickled while this file exists")
    p.add_argument("--trickle", type=int, default=1024, help="bytes a second read from V while stalled")
    p.add_argument("--rcvbuf", type=int, default=4096, help="receive buffer of the socket to V")
    p.add_argument("--seconds", type=float, default=0)
    args = p.parse_args()
    stats = dict(connections=0, s_to_v=0, v_to_s=0, v_to_s_stalled=0, closed_by_v=0, closed_by_s=0)
    lock = threading.Lock()

    def bump(k, n=1):
        with lock:
            stats[k] += n

    def pump_s_to_v(s, v):
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    bump("closed_by_s")
                    break
                v.sendall(d)
                bump("s_to_v", len(d))
        except OSError:
            bump("closed_by_v")
        for x in (s, v):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def pump_v_to_s(s, v):
        tick = 0.1
        try:
            while True:
                # select, not a socket timeout: that would also apply to the other thread's sends.
                if not select.select([v], [], [], tick)[0]:
                    continue
                if os.path.exists(args.stall_file):
                    d = v.recv(max(1, int(args.trickle * tick)))
                    if d:
                        bump("v_to_s_stalled", len(d))
                        time.sleep(tick)
                else:
                    d = v.recv(65536)
                if not d:
                    break
                s.sendall(d)
                bump("v_to_s", len(d))
        except OSError:
            pass
        for x in (s, v):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def report(*_):
        print(json.dumps(dict(attacker="stall-relay", trickle=args.trickle, **stats)), flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, report)
    host, port = parse(args.listen)
    lsock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host, port))
    lsock.listen(8)
    lsock.settimeout(0.5)
    to = parse(args.to)
    start = time.monotonic()
    while not args.seconds or time.monotonic() - start < args.seconds:
        try:
            s, _ = lsock.accept()
        except socket.timeout:
            continue
        v = socket.socket(socket.AF_INET6 if ":" in to[0] else socket.AF_INET, socket.SOCK_STREAM)
        # Small before connect, so the window V sees stays small while we trickle.
        v.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
        try:
            v.connect(to)
        except OSError:
            s.close(); v.close()
            continue
        for x in (s, v):
            x.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        bump("connections")
        threading.Thread(target=pump_s_to_v, args=(s, v), daemon=True).start()
        threading.Thread(target=pump_v_to_s, args=(s, v), daemon=True).start()
    report()


if __name__ == "__main__":
    main()
