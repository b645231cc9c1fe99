"""The ``huggingface.js`` implementation: the npm package ``@huggingface/dduf`` run under Node.js
by the driver ``drivers/huggingface-js/driver.mjs``, through the subprocess protocol.

``huggingface_js(timeout)`` needs ``node`` 20 or newer (for ``fs.openAsBlob``); it installs the
driver's locked dependencies with ``npm ci`` once into the cache folder (npm is needed only for
that) and returns a ``SubprocessAdapter`` running the driver there: see ``npm_driver``, which
also says where the cache is and what makes the implementation unavailable
(``ImplementationUnavailable``).
"""

from __future__ import annotations

from ..harness.adapter import DEFAULT_TIMEOUT
from .npm_driver import INSTALLED_MARKER, NodeDriver, node_driver_adapter
from .subprocess_driver import SubprocessAdapter

__all__ = ["DRIVER", "INSTALLED_MARKER", "huggingface_js"]

DRIVER = NodeDriver(
    folder="huggingface-js",
    package="@huggingface/dduf",
    implementation="huggingface.js",
    minimum_node=20,
    node_feature="fs.openAsBlob",
)


def huggingface_js(timeout: float = DEFAULT_TIMEOUT) -> SubprocessAdapter:
    """The adapter of ``@huggingface/dduf`` (capability ``dduf-read``); ``timeout`` bounds each call
    in seconds. The first call on a machine runs ``npm ci`` (network access to the npm registry)."""
    return node_driver_adapter(DRIVER, timeout)
