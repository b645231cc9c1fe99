"""The ``huggingface.js-hub`` implementation: the npm package ``@huggingface/hub`` run under
Node.js by the driver ``drivers/huggingface-hub/driver.mjs``, through the subprocess protocol.

Capability ``checkpoint-inspect``: the package's ``parseSafetensorsMetadata``, which reads a
Hub repository's safetensors headers with HTTP range requests, given a ``fetch`` that serves
the local checkpoint folder as the Hub would (the driver's comments say how).
``huggingface_js_hub(timeout)`` needs ``node`` 18 or newer; it installs the driver's locked
dependencies with ``npm ci`` once into the cache folder and returns a ``SubprocessAdapter``
running the driver there: see ``npm_driver``.
"""

from __future__ import annotations

from ..harness.adapter import DEFAULT_TIMEOUT
from .npm_driver import NodeDriver, node_driver_adapter
from .subprocess_driver import SubprocessAdapter

DRIVER = NodeDriver(
    folder="huggingface-hub",
    package="@huggingface/hub",
    implementation="huggingface.js-hub",
    minimum_node=18,
    node_feature="the global fetch Response and Blob",
)


def huggingface_js_hub(timeout: float = DEFAULT_TIMEOUT) -> SubprocessAdapter:
    """The adapter of ``@huggingface/hub`` (capability ``checkpoint-inspect``); ``timeout`` bounds
    each call in seconds. The first call on a machine runs ``npm ci`` (network access to the npm
    registry)."""
    return node_driver_adapter(DRIVER, timeout)
