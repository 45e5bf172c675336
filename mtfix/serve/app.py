"""The ASGI app (Starlette): LanguageTool's API under ``/v2/``, the review page at ``/`` and the
JSON API behind it under ``/api/``.

Every handler is thin: parse, call the engine or the reviews in a worker thread (the checks are
CPU work and blocking HTTP to LanguageTool; the event loop only moves bytes), answer. Errors are
one line: ``Error: ...`` as plain text on the LanguageTool API, as LanguageTool words them, and
``{"error": ...}`` on the review API. Bodies are read up to a limit (413 past it) before any
parsing; the review API takes only JSON, which a page of another site cannot send without the
server's consent, and answers only to this server's own host names.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mtfix.core import Span, UnavailableError
from mtfix.serve import ltapi
from mtfix.serve.engine import Engine
from mtfix.serve.errors import RequestError
from mtfix.serve.review import Reviews

log = logging.getLogger("mtfix.serve")

LOOPBACK_NAMES = ("127.0.0.1", "localhost")
# Form encoding spends up to 9 bytes on a character (%E3%81%82); plus room for the other fields.
BYTES_PER_CHAR = 9
BODY_SLACK = 64 * 1024
# A client of the LanguageTool API may be a browser extension on any origin: like LanguageTool
# started with --allow-origin '*', the checking endpoints (which change nothing) allow them all.
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type",
}

Handler = Callable[[Request], Awaitable[Response]]


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestError(413, f"The request body exceeds the limit of {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestError(413, f"The request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(engine: Engine, reviews: Reviews, *, host: str = "127.0.0.1") -> Starlette:
    settings = engine.settings
    body_limit = settings.max_text_length * BYTES_PER_CHAR + BODY_SLACK

    def languagetool_api(handler: Handler) -> Handler:
        async def wrapped(request: Request) -> Response:
            if request.method == "OPTIONS":
                return Response(status_code=204, headers=CORS)
            try:
                response = await handler(request)
            except RequestError as exc:
                response = PlainTextResponse(f"Error: {exc.message}", exc.status)
            except UnavailableError as exc:
                response = PlainTextResponse(f"Error: {' '.join(str(exc).split())}", 503)
            except Exception as exc:
                log.exception("internal error")
                response = PlainTextResponse(f"Error: internal error: {type(exc).__name__}", 500)
            response.headers.update(CORS)
            return response

        return wrapped

    def review_api(handler: Handler) -> Handler:
        async def wrapped(request: Request) -> Response:
            try:
                if request.method == "POST" and not request.headers.get(
                    "content-type", ""
                ).startswith("application/json"):
                    raise RequestError(415, "send JSON (Content-Type: application/json)")
                return await handler(request)
            except RequestError as exc:
                return JSONResponse({"error": exc.message}, exc.status)
            except UnavailableError as exc:
                return JSONResponse({"error": " ".join(str(exc).split())}, 503)
            except Exception as exc:
                log.exception("internal error")
                return JSONResponse({"error": f"internal error: {type(exc).__name__}"}, 500)

        return wrapped

    async def json_body(request: Request) -> dict[str, Any]:
        raw = await _body(request, body_limit)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise RequestError(400, "the body is not UTF-8 JSON") from None
        if not isinstance(data, dict):
            raise RequestError(400, "the body must be a JSON object")
        return data

    # -- LanguageTool API ------------------------------------------------------------------

    @languagetool_api
    async def check(request: Request) -> Response:
        started = time.monotonic()
        if request.method == "GET":
            raw = request.url.query.encode("latin-1")
        else:
            content_type = request.headers.get("content-type", "")
            if content_type and not content_type.startswith("application/x-www-form-urlencoded"):
                raise RequestError(
                    400, "Send the parameters form-encoded (application/x-www-form-urlencoded)"
                )
            raw = await _body(request, body_limit)
        params = ltapi.CheckParams.parse(ltapi.form(raw), settings.max_text_length)
        deadline = started + settings.time_limit
        try:
            with anyio.fail_after(settings.time_limit + 1.0):
                result = await anyio.to_thread.run_sync(
                    engine.check, params, deadline, abandon_on_cancel=True
                )
        except TimeoutError:
            raise RequestError(
                503,
                "Text checking took longer than allowed maximum of "
                f"{settings.time_limit:g} seconds (mtfix serve --time-limit)",
            ) from None
        return JSONResponse(result)

    @languagetool_api
    async def languages(request: Request) -> Response:
        return JSONResponse(engine.language_list)

    @languagetool_api
    async def info(request: Request) -> Response:
        return JSONResponse({"software": ltapi.software(engine.info.get("software", {}))})

    @languagetool_api
    async def max_text_length(request: Request) -> Response:
        return PlainTextResponse(str(settings.max_text_length))

    @languagetool_api
    async def healthcheck(request: Request) -> Response:
        return PlainTextResponse("OK")

    @languagetool_api
    async def configinfo(request: Request) -> Response:
        answer = await anyio.to_thread.run_sync(
            engine.proxy, "configinfo", dict(request.query_params)
        )
        return Response(answer.content, answer.status_code, media_type="application/json")

    # -- the review page and its API -------------------------------------------------------

    async def page(request: Request) -> Response:
        html = files("mtfix.serve").joinpath("static", "index.html").read_text(encoding="utf-8")
        return Response(html, media_type="text/html; charset=utf-8")

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    @review_api
    async def status(request: Request) -> Response:
        return JSONResponse(engine.status())

    @review_api
    async def document(request: Request) -> Response:
        opened = reviews.opened
        if opened is None:
            return JSONResponse({"name": None, "text": None, "writable": False})
        return JSONResponse({"name": opened.path.name, "text": opened.text, "writable": True})

    @review_api
    async def start_review(request: Request) -> Response:
        data = await json_body(request)
        if data.get("opened"):
            if reviews.opened is None:
                raise RequestError(409, "the server was not opened on a file")
            text: Any = reviews.opened.text
        else:
            text = data.get("text")
        source, name = data.get("source"), data.get("name", "")
        if not isinstance(text, str) or not isinstance(name, str):
            raise RequestError(400, "'text' (and 'name') must be strings")
        if source is not None and not isinstance(source, str):
            raise RequestError(400, "'source' must be a string")
        review = reviews.start(text, source, name)
        return JSONResponse(review.to_dict(), 202)

    @review_api
    async def get_review(request: Request) -> Response:
        return JSONResponse(reviews.get(request.path_params["id"]).to_dict())

    @review_api
    async def decide(request: Request) -> Response:
        review = reviews.get(request.path_params["id"])
        data = await json_body(request)
        start, end = data.get("start"), data.get("end")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start <= end:
            raise RequestError(400, "'start' and 'end' must be the stretch's offsets")
        chosen = data.get("chosen")
        if chosen is not None and not isinstance(chosen, int):
            raise RequestError(400, "'chosen' must be a proposal's rank")
        action, text = str(data.get("action")), data.get("text")
        record = await anyio.to_thread.run_sync(
            reviews.decide, review, Span(start, end), action, chosen, text
        )
        return JSONResponse({"record": record, "decisions": review.decisions()})

    @review_api
    async def undo(request: Request) -> Response:
        review = reviews.get(request.path_params["id"])
        record = await anyio.to_thread.run_sync(reviews.undo, review)
        return JSONResponse({"record": record, "decisions": review.decisions()})

    @review_api
    async def reviewed_text(request: Request) -> Response:
        review = reviews.get(request.path_params["id"])
        stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in review.name) or "text"
        headers = {"Content-Disposition": f'attachment; filename="{stem}.reviewed.txt"'}
        return PlainTextResponse(review.reviewed_text(), headers=headers)

    @review_api
    async def save(request: Request) -> Response:
        review = reviews.get(request.path_params["id"])
        name = await anyio.to_thread.run_sync(reviews.save, review)
        return JSONResponse({"saved": name})

    routes = [
        Route("/v2/check", check, methods=["GET", "POST", "OPTIONS"]),
        Route("/v2/languages", languages, methods=["GET", "OPTIONS"]),
        Route("/v2/info", info, methods=["GET", "OPTIONS"]),
        Route("/v2/maxtextlength", max_text_length, methods=["GET", "OPTIONS"]),
        Route("/v2/healthcheck", healthcheck, methods=["GET", "OPTIONS"]),
        Route("/v2/configinfo", configinfo, methods=["GET", "OPTIONS"]),
        Route("/", page),
        Route("/favicon.ico", no_icon),
        Route("/api/status", status),
        Route("/api/document", document),
        Route("/api/reviews", start_review, methods=["POST"]),
        Route("/api/reviews/{id}", get_review),
        Route("/api/reviews/{id}/decisions", decide, methods=["POST"]),
        Route("/api/reviews/{id}/undo", undo, methods=["POST"]),
        Route("/api/reviews/{id}/text", reviewed_text),
        Route("/api/reviews/{id}/save", save, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("mtfix.serve", "static")]), name="static"),
    ]
    hosts = [*LOOPBACK_NAMES, host] if host in LOOPBACK_NAMES else ["*"]
    return Starlette(
        routes=routes, middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hosts)]
    )
