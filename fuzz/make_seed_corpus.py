#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora: every golden message of tests/vectors, a data message, and
messages with hidden AVPs under the fuzz target's secret ("fuzz"), hidden per RFC 2661 §4.3; request
lines for the management socket and chunked requests for the local servers' framing."""
import hashlib
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent
golden = root.parent / "tests" / "vectors" / "golden_messages.txt"


def hide(attr, secret, rv, value, pad=b""):
    plain = len(value).to_bytes(2, "big") + value + pad
    out, prev = b"", b""
    for i in range(0, len(plain), 16):
        key = (hashlib.md5(attr.to_bytes(2, "big") + secret + rv) if i == 0
               else hashlib.md5(secret + prev)).digest()
        prev = bytes(a ^ b for a, b in zip(plain[i:i + 16], key))
        out += prev
    return out


def avp(attr, value, m=True, h=False):
    flags = (0x8000 if m else 0) | (0x4000 if h else 0) | (6 + len(value))
    return flags.to_bytes(2, "big") + b"\0\0" + attr.to_bytes(2, "big") + value


def control(body, tid=1, sid=0, ns=0, nr=0):
    length = 12 + len(body)
    return b"\xc8\x02" + b"".join(x.to_bytes(2, "big") for x in (length, tid, sid, ns, nr)) + body


def main():
    out = root / "corpus" / "decode_control_fuzzer"
    blocks, name = {}, None
    for line in golden.read_text().splitlines():
        line = line.strip()
        if line.startswith("name:"):
            name = line.split(":", 1)[1].strip()
            blocks[name] = b""
        elif line and not line.startswith("#"):
            blocks[name] += bytes.fromhex(line)
    for name, data in blocks.items():
        (out / f"golden-{name}").write_bytes(data)
    secret, rv = b"fuzz", bytes(range(16))
    icrq = (avp(0, (10).to_bytes(2, "big")) + avp(36, rv)
            + avp(14, hide(14, secret, rv, (7).to_bytes(2, "big"), b"\xaa" * 3), h=True)
            + avp(15, hide(15, secret, rv, (99).to_bytes(4, "big")), h=True)
            + avp(22, hide(22, secret, rv, b"0123456789abcdefghijkl"), h=True))
    (out / "hidden-ICRQ").write_bytes(control(icrq))
    (out / "data-LSO").write_bytes(bytes.fromhex(
        "4A 02 00 18 12 34 00 03 00 01 00 00 00 02 00 00 FF 03 C0 21 01 01 00 04"))

    # endpoint_fuzzer: chunks [flags][length][datagram]. Flags: 1 live tunnel ID, 2 live session
    # ID, 4 Ns the LNS expects, 8 Nr acking what it sent, 16 fix the Length, 32 from a stranger,
    # 64/128 let time pass. Each seed is a short conversation built from the golden messages.
    out = root / "corpus" / "endpoint_fuzzer"
    out.mkdir(parents=True, exist_ok=True)

    def chunk(name, flags):
        data = blocks[name][:255]
        return bytes([flags, len(data)]) + data

    aimed = 1 | 4 | 8 | 16
    conversations = {
        "hello": [("HELLO", aimed)],
        "call": [("ICRQ", aimed), ("ICCN", aimed | 2 | 64)],
        "hangup": [("CDN", aimed | 2)],
        "stop": [("StopCCN", aimed | 128)],
        "failover": [("FSQ", aimed), ("FSR", aimed)],
        "recovery": [("recovery-SCCRQ", 0), ("SCCCN", aimed)],
        "stranger": [("HELLO", aimed | 32), ("SCCRQ", 32)],
        "wrong-order": [("WEN", aimed | 2), ("SLI", 1 | 2 | 16), ("OCRQ", aimed)],
    }
    for name, chunks in conversations.items():
        (out / f"seed-{name}").write_bytes(b"".join(chunk(n, f) for n, f in chunks))

    out = root / "corpus" / "hidden_avp_fuzzer"
    for i, (attr, value, pad) in enumerate([(14, b"\0\7", b""), (22, b"0123456789abcdefghij", b"\xa5" * 7),
                                            (11, bytes(40), b"")]):
        s = b"tunnel-secret"
        (out / f"seed-{i}").write_bytes(attr.to_bytes(2, "big") + bytes([len(s), len(rv)]) + s + rv
                                        + hide(attr, s, rv, value, pad))

    # The management fuzzer's daemon (seed 1) holds tunnels 27 and 26702, with sessions 17499-17501
    # in tunnel 27: seeds that name them reach past the "no such" answers.
    out = root / "corpus" / "management_request_fuzzer"
    out.mkdir(exist_ok=True)
    for name, requests in {
        "show-summary": [{"command": "show-summary"}],
        "show-tunnels-extensive": [{"command": "show-tunnels", "level": "extensive", "tunnel": 27,
                                    "peer": "127.0.0.2", "state": "established"}],
        "show-sessions-filters": [{"command": "show-sessions", "level": "detail", "tunnel": 27,
                                   "session": 17500, "state": "established"}],
        "show-sessions-limit": [{"command": "show-sessions", "level": "extensive", "limit": 2}],
        "show-statistics": [{"command": "show-statistics"}],
        "call-then-show": [{"command": "call", "peer": "127.0.0.2", "count": 3, "tunnels": 2},
                           {"command": "show-sessions", "level": "detail"}],
        "clear-tunnel-then-show": [{"command": "clear-tunnel", "tunnel": 26702},
                                   {"command": "show-sessions"}, {"command": "show-tunnels"}],
        "clear-session-then-show": [{"command": "clear-session", "tunnel": 27, "session": 17499},
                                    {"command": "show-sessions", "level": "extensive"}],
        "request-restart": [{"command": "request-restart"}, {"command": "show-summary"}],
        "request-shutdown-clear": [{"command": "request-shutdown", "clear": True},
                                   {"command": "show-tunnels", "level": "detail"}],
        "wrong-types": [{"command": "clear-tunnel", "tunnel": "x"},
                        {"command": "show-sessions", "limit": -1}, {"command": "call", "peer": 5}],
    }.items():
        (out / name).write_text("\n".join(json.dumps(r) for r in requests) + "\n")
    (out / "malformed").write_bytes(b'{"command":\n[1,2]\n{"command":"show-\xff"}\nnull\n')

    # [terminator: even "\n", odd "\r\n\r\n"][bound, 2 octets] then [length][octets], 0: closed.
    out = root / "corpus" / "request_buffer_fuzzer"
    out.mkdir(exist_ok=True)

    def chunks(*parts):
        return b"".join(bytes([len(p)]) + p for p in parts)
    for name, data in {
        "line-in-two-chunks": b"\x00\x00\x40" + chunks(b'{"command":', b'"show-summary"}\n'),
        "http-head-split-terminator": b"\x01\x01\x00" + chunks(b"GET /metrics HTTP/1.1\r\n\r", b"\n"),
        "closed-after-part": b"\x00\x00\x20" + chunks(b"abc", b""),
        "too-large": b"\x00\x00\x08" + chunks(b"0123456789abcdef", b"\n"),
        "abandoned": b"\x01\x00\x10" + chunks(b""),
    }.items():
        (out / name).write_bytes(data)

    # ppp_link_fuzzer: [configuration flags][proxy flags] then steps; a frame is
    # [op 0][protocol choice: 0 LCP, 1 PAP, 2 CHAP, 3 IPCP, 4 IPv6CP][length, 2 octets][octets],
    # time passing is [op 3][units of 100 ms], a verdict [op 4][accepted: odd].
    out = root / "corpus" / "ppp_link_fuzzer"
    out.mkdir(exist_ok=True)

    def frame(choice, code, ident, data):
        packet = bytes([code, ident]) + (4 + len(data)).to_bytes(2, "big") + data
        return bytes([0, choice]) + len(packet).to_bytes(2, "big") + packet
    lcp_request = frame(0, 1, 1, bytes.fromhex("010405dc" "050611223344"))
    for name, data in {
        "chap-lcp-request": b"\x01\x00" + lcp_request + b"\x03\x1e" + lcp_request,
        "pap-request": b"\x02\x00" + lcp_request + frame(1, 1, 7, b"\x04user\x04pass")
        + b"\x04\x01",
        "ipcp-ask-zero": b"\x00\x00" + lcp_request + frame(3, 1, 2, bytes.fromhex("0306" "00000000")),
        "echo-and-reject": b"\x00\x00" + lcp_request + frame(0, 9, 3, bytes.fromhex("11223344"))
        + frame(0, 8, 4, bytes.fromhex("8021")),
        "proxied": b"\x01\x05" + bytes([6]) + bytes.fromhex("0305c22305") + bytes([6])
        + bytes.fromhex("010405dc"),
    }.items():
        (out / name).write_bytes(data)


main()
