"""python-telegram-bot's requests over aiohttp instead of httpx.

PTB's default HTTPXRequest slows down as more requests run at once: against the fake
Bot API over loopback, 4 concurrent send_message calls reached ~590 per second, 64 only
~210 (httpx's connection pool work grows with concurrency, and httpcore looks for the
`sniffio` module on every request). The same requests over aiohttp reach several
thousand per second, so broadcasts are limited by Telegram, not by the client. Long
polling (getUpdates) has its own instance with one connection. Parameters go as one JSON body
(uploads as multipart form data), which the Bot API takes for every method.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


@functools.cache
def _timeout(
    read: float | None, write: float | None, connect: float | None, uploads: bool
) -> aiohttp.ClientTimeout:
    """`connect` bounds the wait for a pooled connection too, `read` the wait for the
    answer. A JSON body leaves at once; an upload may take its write time, so it also gets
    a limit on the whole call."""
    total = None
    if uploads and read is not None and write is not None:
        total = read + write + (connect or 0)
    return aiohttp.ClientTimeout(total=total, connect=connect, sock_read=read)


class AiohttpRequest(BaseRequest):
    __slots__ = (
        "_connect_timeout",
        "_pool_size",
        "_read_timeout",
        "_session",
        "_write_timeout",
        "observer",
    )

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        observer: Callable[[str, int | None], None] | None = None,
    ) -> None:
        """`observer` is told each call's Bot API method and HTTP status (None: no answer)."""
        self.observer = observer
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                cookie_jar=aiohttp.DummyCookieJar(),  # the Bot API sets none
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._write_timeout
        data: Any = None
        uploads = False
        if request_data is not None:
            if request_data.contains_files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mimetype) in request_data.multipart_data.items():
                    form.add_field(name, content, filename=filename, content_type=mimetype)
                data = form
                uploads = True
            else:
                # One JSON body (the Bot API takes application/json for all but uploads):
                # cheaper than JSON inside each form field, then URL-encoding them all.
                body = json.dumps(request_data.parameters, ensure_ascii=False).encode()
                data = aiohttp.BytesPayload(body, content_type="application/json")
        timeout = _timeout(read_timeout, write_timeout, connect_timeout, uploads)
        status: int | None = None
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as answer:
                status = answer.status
                return answer.status, await answer.read()
        except TimeoutError as error:
            status = None
            raise TimedOut from error
        except aiohttp.ClientError as error:
            status = None
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
        finally:
            if self.observer is not None:
                self.observer(url.rsplit("/", 1)[-1], status)
