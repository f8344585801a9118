#!/usr/bin/env bash
# Builds every fuzz target and runs each for a short while (FUZZ_SECONDS,
# default 20) from the checked-in seeds plus what earlier runs found. Fails
# on the first crash, leak or timeout; libFuzzer leaves the input that did
# it under fuzz/artifacts/<target>/, and the output ends with how to
# reproduce it.
#
# Builds go to fuzz/target (override with CARGO_TARGET_DIR), never the main
# build's directory, so the two never wait on each other's lock.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-20}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# kockpit has no unsafe code, so AddressSanitizer would only slow the
# targets down; overflow checks and debug assertions stay on.
flags=(--sanitizer none)

echo "== fuzz: build"
cargo +nightly fuzz build "${flags[@]}"

# Longest input per target: the sanitizer must see lines past its cap.
declare -A max_len=([file_text]=40000 [sanitize]=40000 [log_line]=40000 [keymap]=4096 [theme]=4096 [filter]=512)

status=0
for target in $(cargo +nightly fuzz list); do
  mkdir -p "corpus/$target" "seeds/$target"
  echo "== fuzz: $target for ${seconds}s"
  log="$CARGO_TARGET_DIR/fuzz-$target.log"
  if cargo +nightly fuzz run "${flags[@]}" "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -max_len="${max_len[$target]:-4096}" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec):' "$log" | tr '\n' ' '
    echo
  else
    tail -n 60 "$log"
    echo "fuzz target $target failed (full log: $log)" >&2
    status=1
  fi
done
exit "$status"
