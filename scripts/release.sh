#!/usr/bin/env bash
# A release build for distribution: target/release/kockpit without debug
# info or symbols (about 24 MB instead of about 75), and next to it
# kockpit.debug with the line tables, which the binary names
# (.gnu_debuglink): keep the two together and a panic's backtrace still
# shows file:line; without kockpit.debug it shows no frames.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin kockpit
bin=target/release/kockpit
objcopy --only-keep-debug "$bin" "$bin.debug"
objcopy --strip-all "$bin"
# The link is by file name: run objcopy from the binary's directory.
(cd "$(dirname "$bin")" && objcopy --add-gnu-debuglink=kockpit.debug kockpit)
ls -l "$bin" "$bin.debug"
