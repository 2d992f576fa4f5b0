"""Running a zerog service in the test's own event loop until a block ends."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

__all__ = ["Service", "running_service"]


class Service(Protocol):
    ready: asyncio.Event

    async def run(self) -> None: ...

    def stop(self) -> None: ...


@contextlib.asynccontextmanager
async def running_service(service: Service, what: str, timeout_s: float = 30.0) -> AsyncIterator[asyncio.Task[None]]:
    """Start `service`, wait until it is ready (or raise what stopped it), and stop it when the block ends."""
    task = asyncio.create_task(service.run())
    try:
        ready = asyncio.create_task(service.ready.wait())
        done, _ = await asyncio.wait({ready, task}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()  # raises what made it stop
        if ready not in done:
            ready.cancel()
            raise TimeoutError(f"{what} did not become ready")
        yield task
    finally:
        service.stop()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 30)
