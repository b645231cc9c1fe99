"""Headless Chromium (Debian's ``chromium`` package) for tests that judge a page by what it shows.

``dump_dom(profile, uri)`` opens ``uri`` and returns the DOM after the page's script ran (what
``--dump-dom`` prints) as an ``Element`` tree; ``DevToolsPage`` drives one page over the DevTools
protocol, for real clicks. ``needs_chromium`` skips a test where no ``chromium`` is on the PATH.
Chromium runs with a fresh profile folder and reaches no network service.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium)"
)
VOID_ELEMENTS = {"meta", "link", "input", "br", "hr", "img", "col", "wbr", "source", "area", "base"}


@dataclass
class Element:
    """An element of a parsed page: its tag, attributes and children."""

    tag: str
    attrs: dict
    parent: Element | None = None
    children: list = field(default_factory=list)  # Elements and text strings

    @property
    def shown(self) -> bool:
        """Neither it nor an ancestor has the ``hidden`` attribute."""
        return "hidden" not in self.attrs and (self.parent is None or self.parent.shown)

    def text(self, *, shown_only: bool = False) -> str:
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif not shown_only or "hidden" not in child.attrs:
                parts.append(child.text(shown_only=shown_only))
        return " ".join(" ".join(parts).split())

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                wanted = tag in (None, child.tag) and all(
                    child.attrs.get(name.replace("_", "-")) == value for name, value in attrs.items()
                )
                found.extend([child] if wanted else [])
                found.extend(child.find_all(tag, **attrs))
        return found

    def by_id(self, element_id: str) -> Element:
        (found,) = self.find_all(id=element_id)
        return found


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", {})

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs}, parent=self.current)
        self.current.children.append(element)
        if tag not in VOID_ELEMENTS:
            self.current = element

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def chromium(profile: Path, *arguments: str) -> list[str]:
    """A headless Chromium command line that reaches no network service."""
    flags = "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
    return [
        CHROMIUM,
        *flags.split(),
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *arguments,
    ]


def dump_dom(profile: Path, uri: str) -> Element:
    """The DOM of the page at ``uri`` after its script ran in headless Chromium."""
    command = chromium(profile, "--dump-dom", uri)
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and "</html>" in done.stdout, done.stderr[-2000:]
    builder = _TreeBuilder()
    builder.feed(done.stdout)
    return builder.root


class DevToolsPage:
    """A page of headless Chromium driven over the DevTools protocol on a pipe: with
    ``--remote-debugging-pipe`` Chromium reads commands (JSON, each ended by a NUL byte) on file
    descriptor 3 and writes answers and events on 4."""

    TIMEOUT = 60.0

    def __init__(self, profile: Path) -> None:
        commands_end, self._commands = os.pipe()
        self._answers, answers_end = os.pipe()
        # Above 4, so that bash's `3<&` and `4>&` cannot overwrite one end with the other.
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands_end, answers_end)]
        # bash moves the two ends to descriptors 3 and 4, then becomes Chromium.
        wiring = ["bash", "-c", 'exec 3<&"$0" 4>&"$1"; exec "${@:2}"', *map(str, ends)]
        self._process = subprocess.Popen(
            [*wiring, *chromium(profile, "--remote-debugging-pipe", "about:blank")],
            pass_fds=ends,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for fd in (commands_end, answers_end, *ends):
            os.close(fd)
        self._received: list[dict] = []
        self._buffer = b""
        self._last_id = 0
        try:
            targets = self._send("Target.getTargets")["targetInfos"]
            page = next(target for target in targets if target["type"] == "page")
            attached = self._send("Target.attachToTarget", targetId=page["targetId"], flatten=True)
            self._session = attached["sessionId"]
            self._send("Page.enable", session=True)
        except BaseException:
            self.close()
            raise

    def open(self, url: str) -> None:
        self._send("Page.navigate", session=True, url=url)
        self._receive(lambda message: message.get("method") == "Page.loadEventFired")

    def evaluate(self, expression: str):
        answer = self._send("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    def close(self) -> None:
        self._process.kill()
        self._process.wait()
        os.close(self._commands)
        os.close(self._answers)

    def _send(self, method: str, *, session: bool = False, **params) -> dict:
        self._last_id += 1
        command = {"id": self._last_id, "method": method, "params": params}
        if session:
            command["sessionId"] = self._session
        os.write(self._commands, json.dumps(command).encode() + b"\0")
        answer = self._receive(lambda message, wanted=self._last_id: message.get("id") == wanted)
        assert "error" not in answer, answer
        return answer["result"]

    def _receive(self, wanted) -> dict:
        """The first message, received or still to come, for which ``wanted`` is true."""
        deadline = time.monotonic() + self.TIMEOUT
        while True:
            for message in self._received:
                if wanted(message):
                    self._received.remove(message)
                    return message
            if not select.select([self._answers], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise TimeoutError(f"Chromium sent no expected message within {self.TIMEOUT} s")
            chunk = os.read(self._answers, 1 << 16)
            assert chunk, "Chromium closed the DevTools pipe"
            *complete, self._buffer = (self._buffer + chunk).split(b"\0")
            self._received.extend(json.loads(message) for message in complete)
