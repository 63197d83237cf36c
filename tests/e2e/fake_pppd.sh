#!/bin/sh
# Stand-in for pppd in the xl2tpd interop tests (docs/peer-behaviour.md §1.6): xl2tpd hands pppd the
# pty of a call on stdin/stdout; keeping it open keeps the call established. No PPP is spoken.
exec sleep 100000
