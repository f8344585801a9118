"""A cockpit inside a pseudo-terminal of a fixed size, its output parsed by a
terminal emulator (pyte) as it arrives.

A reader thread owns the pty master: it reads whatever the tool writes,
stamps each chunk with the monotonic clock, counts bytes, feeds the
emulator and then checks the pending expectations ("this text is on
screen", "this text is gone") against the lines that changed. An
expectation met by a chunk gets that chunk's read time, so a latency is the
time until the bytes that complete the change reached the terminal."""

from __future__ import annotations

import errno
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import pyte


class _Screen(pyte.Screen):
    """Answers the terminal's queries (device status, cursor position,
    device attributes) as a real terminal would, so no tool waits on them."""

    def __init__(self, cols: int, rows: int, reply: Callable[[bytes], None]):
        super().__init__(cols, rows)
        self._reply = reply

    def write_process_input(self, data: str) -> None:  # pyte's hook
        self._reply(data.encode())


@dataclass
class Expectation:
    text: str
    present: bool  # wait for it to appear (True) or to disappear (False)
    met_at: float | None = None
    event: threading.Event = field(default_factory=threading.Event)


class PtyTool:
    def __init__(self, argv: list[str], env: dict[str, str], cols: int = 200, rows: int = 50,
                 cwd: str | None = None, transcript: str | None = None):
        self.cols, self.rows = cols, rows
        self.argv = argv
        self.lock = threading.Lock()
        self.bytes_total = 0
        self.first_output_at: float | None = None
        self.last_output_at: float | None = None
        self.exited: int | None = None
        self._expect: list[Expectation] = []
        self._predicates: list[tuple[Callable[[list[str]], bool], threading.Event, list]] = []
        self._transcript = open(transcript, "wb") if transcript else None
        self.screen = _Screen(cols, rows, self._write_reply)
        self.stream = pyte.ByteStream(self.screen)
        self.lines = [" " * cols for _ in range(rows)]
        self.started_at = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # child: size the terminal before the tool asks for it
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                if cwd:
                    os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            except BaseException as e:  # noqa: BLE001 - report and die in the child
                os.write(2, f"exec {argv[0]} failed: {e}\n".encode())
            os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self._stop = False
        self._thread = threading.Thread(target=self._read_loop, daemon=True)
        self._thread.start()

    # -- writing ------------------------------------------------------------
    def _write_reply(self, data: bytes) -> None:
        try:
            os.write(self.fd, data)
        except OSError:
            pass

    def send(self, data: str | bytes, pause: float = 0.0) -> None:
        if isinstance(data, str):
            data = data.encode()
        os.write(self.fd, data)
        if pause:
            time.sleep(pause)

    def type(self, text: str, pause: float = 0.05) -> None:
        for ch in text:
            self.send(ch, pause)

    # -- reading ------------------------------------------------------------
    def _read_loop(self) -> None:
        while not self._stop:
            try:
                r, _, _ = select.select([self.fd], [], [], 0.2)
            except (OSError, ValueError):
                break
            if not r:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError as e:
                if e.errno in (errno.EIO, errno.EBADF):
                    break
                raise
            if not data:
                break
            now = time.monotonic()
            if self._transcript:
                self._transcript.write(data)
            with self.lock:
                self.bytes_total += len(data)
                if self.first_output_at is None:
                    self.first_output_at = now
                self.last_output_at = now
                self.stream.feed(data)
                dirty = self.screen.dirty
                if dirty:
                    buf = self.screen.buffer
                    for y in dirty:
                        if 0 <= y < self.rows:
                            row = buf[y]
                            self.lines[y] = "".join(row[x].data for x in range(self.cols))
                    dirty.clear()
                    self._check(now)
        self._reap(block=False)

    def _check(self, now: float) -> None:
        if self._expect:
            keep = []
            for e in self._expect:
                on = any(e.text in line for line in self.lines)
                if on == e.present:
                    e.met_at = now
                    e.event.set()
                else:
                    keep.append(e)
            self._expect = keep
        if self._predicates:
            keep2 = []
            for pred, ev, out in self._predicates:
                if pred(self.lines):
                    out.append(now)
                    ev.set()
                else:
                    keep2.append((pred, ev, out))
            self._predicates = keep2

    def expect(self, text: str, present: bool = True) -> Expectation:
        """Registers an expectation; register before causing the change."""
        e = Expectation(text, present)
        with self.lock:
            self._expect.append(e)
            on = any(text in line for line in self.lines)
            if on == present:
                e.met_at = time.monotonic()
                e.event.set()
                self._expect.remove(e)
        return e

    def cancel(self, e: Expectation) -> None:
        with self.lock:
            if e in self._expect:
                self._expect.remove(e)

    def wait_until(self, pred: Callable[[list[str]], bool], timeout: float) -> float | None:
        """Monotonic time of the chunk after which `pred(lines)` first held."""
        ev = threading.Event()
        out: list[float] = []
        with self.lock:
            if pred(self.lines):
                return time.monotonic()
            self._predicates.append((pred, ev, out))
        ev.wait(timeout)
        with self.lock:
            self._predicates = [p for p in self._predicates if p[1] is not ev]
        return out[0] if out else None

    def snapshot(self) -> list[str]:
        with self.lock:
            return list(self.lines)

    def text(self) -> str:
        return "\n".join(l.rstrip() for l in self.snapshot())

    # -- lifecycle ------------------------------------------------------------
    def _reap(self, block: bool) -> bool:
        if self.exited is not None:
            return True
        try:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            self.exited = -1
            return True
        if pid == 0:
            return False
        self.exited = os.waitstatus_to_exitcode(status)
        return True

    def alive(self) -> bool:
        return not self._reap(block=False)

    def stop(self, quit_keys: list[bytes] | None = None, timeout: float = 5.0) -> None:
        """Quits politely (keys), then SIGTERM, then SIGKILL; always reaps."""
        for keys in quit_keys or []:
            if not self.alive():
                break
            try:
                self.send(keys, 0.3)
            except OSError:
                break
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.alive():
            time.sleep(0.1)
        for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 3.0)):
            if not self.alive():
                break
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                break
            end = time.monotonic() + wait
            while time.monotonic() < end and self.alive():
                time.sleep(0.1)
        self._stop = True
        self._thread.join(2)
        try:
            os.close(self.fd)
        except OSError:
            pass
        if self._transcript:
            self._transcript.close()
