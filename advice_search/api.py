"""The JSON HTTP API: the same answers as ``advice-search search --json``, over HTTP.

``create_app(index_dir)`` builds a FastAPI app around a LiveSearcher, so a new index build is
picked up without a restart. Every expected problem is a 4xx (or 503 while no index is
loaded) with a JSON body ``{"error": "<one line a person can act on>"}``; no request can
make the server print a traceback. The app is plain ASGI: uvicorn runs it in one process
(``advice-search serve``), Ray Serve runs it as N replicas (``serve --ray``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from .body_limit import BodyLimit
from .live import LiveSearcher, LoadedBuild, NotReady
from .search import Filters, QueryError

log = logging.getLogger("advice_search.api")

EXAMPLE_QUESTION = "my partner won't go to therapy"
SEARCH_PARAMS = frozenset({"q", "k", "after", "article", "author", "site"})


@dataclass(frozen=True)
class ApiSettings:
    """Limits and options of one server; the defaults suit a public website."""

    max_question_chars: int = 2000  # longer is refused; over 1,000 is shortened, as in the CLI
    max_k: int = 50
    max_body_bytes: int = 64 * 1024  # refused from Content-Length, before the body is read
    cors_origins: tuple[str, ...] = ()  # browsers on other sites may call the API only if named
    check_every: float = 1.0  # seconds between looks at index/CURRENT for a new build

    def __post_init__(self) -> None:
        if not 1 <= self.max_k <= 50:
            raise ValueError("max_k must be between 1 and 50 (the Searcher's own limit)")


class ApiError(Exception):
    """An expected problem with a request: its status code and a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class FilterRequest(BaseModel):
    """Keep only passages of these articles (ids), authors or sites; see GET /articles."""

    model_config = ConfigDict(extra="forbid", strict=True)
    articles: list[str] = Field(default_factory=list)
    authors: list[str] = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)


class SearchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"example": {"q": EXAMPLE_QUESTION}}
    )
    q: str = Field(description="the question, in plain words (at most 2,000 characters)")
    k: int = Field(5, description="number of passages, 1 to 50")
    after: str | None = Field(
        None, description="the earlier question of the conversation, when q follows it"
    )
    filters: FilterRequest = Field(default_factory=FilterRequest)


@dataclass(frozen=True)
class Catalog:
    """What one build's library holds: for GET /articles and for checking filter values."""

    build: str
    articles: tuple[dict[str, Any], ...]
    authors: tuple[str, ...]
    sites: tuple[str, ...]
    known: dict[str, frozenset[str]] = field(default_factory=dict)  # kind -> values, for lookups

    def filters(self, articles: list[str], authors: list[str], sites: list[str]) -> Filters:
        """Filters for these values; ApiError 422 naming any value the library does not have."""
        given = {"article": articles, "author": authors, "site": sites}
        for kind, values in given.items():
            unknown = [v for v in values if v not in self.known.get(kind, ())]
            if unknown:
                shown = ", ".join(f"'{printable(v)}'" for v in unknown[:3])
                raise ApiError(
                    422, f"Unknown {kind} {shown}: GET /articles lists the values that exist."
                )
        return Filters(frozenset(articles), frozenset(authors), frozenset(sites))

    def to_json(self) -> dict[str, Any]:
        return {"build": self.build, "articles": list(self.articles), "authors": list(self.authors),
                "sites": list(self.sites)}  # fmt: skip


def catalog_of(loaded: LoadedBuild) -> Catalog:
    articles = sorted(loaded.searcher.index.articles, key=lambda a: (a.title.lower(), a.article_id))
    authors = {a.author for a in articles if a.author}
    sites = {a.site for a in articles if a.site}
    return Catalog(
        build=loaded.build,
        articles=tuple(
            {
                "article": a.article_id,
                "title": a.title,
                "author": a.author,
                "site": a.site,
                "date": a.date,
                "url": a.url,
            }  # fmt: skip
            for a in articles
        ),
        authors=tuple(sorted(authors, key=str.lower)),
        sites=tuple(sorted(sites, key=str.lower)),
        known={
            "article": frozenset(a.article_id for a in articles),
            "author": frozenset(authors),
            "site": frozenset(sites),
        },
    )


def printable(text: str, limit: int = 60) -> str:
    """``text`` safe to put in a JSON error: lone surrogates escaped, long text cut."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def create_app(
    index_dir: Path, settings: ApiSettings | None = None, *, live: LiveSearcher | None = None
) -> FastAPI:
    """The API over the index in ``index_dir``; starts loading it in the background."""
    settings = settings or ApiSettings()
    live = live or LiveSearcher(index_dir, check_every=settings.check_every)
    live.start()
    app = FastAPI(
        title="advice search",
        summary="Passages from a library of advice articles that answer a question.",
        version="1",
    )
    app.state.live = live
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:  # added last: outermost, so refusals carry CORS headers too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            expose_headers=["X-Index-Build"],
        )
    cache: list[Catalog] = []

    def catalog(loaded: LoadedBuild) -> Catalog:
        if not cache or cache[0].build != loaded.build:
            cache[:] = [catalog_of(loaded)]
        return cache[0]

    def answer(q: str, k: int, filters: FilterRequest, after: str | None = None) -> JSONResponse:
        for name, text in (("question", q), ("earlier question (after)", after or "")):
            if len(text) > settings.max_question_chars:
                raise ApiError(
                    422,
                    f"The {name} is longer than {settings.max_question_chars:,} characters: "
                    "shorten it.",
                )
        if not 1 <= k <= settings.max_k:
            raise ApiError(422, f"k must be a whole number from 1 to {settings.max_k}.")
        loaded = live.current()
        chosen = catalog(loaded).filters(filters.articles, filters.authors, filters.sites)
        try:
            result = loaded.searcher.search(q, k=k, filters=chosen, after=after)
        except QueryError as error:
            raise ApiError(422, str(error)) from None
        return JSONResponse(result.to_json(), headers={"X-Index-Build": loaded.build})

    @app.post("/search", summary="Answer a question (JSON body)")
    def search_post(body: SearchRequest) -> JSONResponse:
        return answer(body.q, body.k, body.filters, body.after)

    @app.get("/search", summary="Answer a question (query string)")
    def search_get(
        request: Request,
        q: Annotated[str, Query(description="the question, in plain words")],
        k: Annotated[int, Query(description="number of passages, 1 to 50")] = 5,
        after: Annotated[
            str | None, Query(description="the earlier question, when q follows it")
        ] = None,
        article: Annotated[list[str], Query(description="article id (repeatable)")] = [],  # noqa: B006
        author: Annotated[list[str], Query(description="author (repeatable)")] = [],  # noqa: B006
        site: Annotated[list[str], Query(description="site (repeatable)")] = [],  # noqa: B006
    ) -> JSONResponse:
        names = [name for name, _ in request.query_params.multi_items()]
        unknown = sorted(set(names) - SEARCH_PARAMS)
        if unknown:
            shown = ", ".join(f"'{printable(n)}'" for n in unknown[:3])
            raise ApiError(
                422, f"Unknown parameter {shown}: use q, k, after, article, author, site."
            )
        if any(names.count(once) > 1 for once in ("q", "k", "after")):
            raise ApiError(422, "Give q, k and after once each.")
        return answer(q, k, FilterRequest(articles=article, authors=author, sites=site), after)

    @app.get("/articles", summary="The articles, authors and sites in the library")
    def articles() -> JSONResponse:
        loaded = live.current()
        return JSONResponse(catalog(loaded).to_json(), headers={"X-Index-Build": loaded.build})

    @app.get("/health", summary="The server process is up")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", summary="An index build is loaded and answering")
    def ready() -> JSONResponse:
        status = live.status()
        return JSONResponse(status, status_code=200 if status["ready"] else 503)

    _add_error_handlers(app, settings)
    return app


def _add_error_handlers(app: FastAPI, settings: ApiSettings) -> None:
    def error(status: int, message: str, **headers: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status, headers=headers or None)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error(exc.status, exc.message)

    @app.exception_handler(NotReady)
    async def not_ready(_: Request, exc: NotReady) -> JSONResponse:
        return error(503, f"The search index is not available yet: {exc}", **{"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return error(
                400, f'The body is not valid JSON; send e.g. {{"q": "{EXAMPLE_QUESTION}"}}.'
            )
        return error(422, validation_message(problems))

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        messages = {
            400: "The request could not be read; send a JSON object as UTF-8.",
            404: "No such endpoint: GET /docs lists them.",
            405: "This endpoint does not accept that method: GET /docs lists them.",
            413: f"The request body is larger than {settings.max_body_bytes:,} bytes.",
        }
        return error(exc.status_code, messages.get(exc.status_code, printable(str(exc.detail))))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error while answering a request")
        return error(500, "Internal error: the server could not answer; try again later.")


def validation_message(problems: list[Any]) -> str:
    """One line from pydantic's errors, without echoing the input (it may be huge or odd)."""
    parts = []
    for problem in problems[:3]:
        where = [
            printable(str(x), 40) for x in problem.get("loc", ()) if x not in ("body", "query")
        ]
        if not where and problem.get("type") in ("model_attributes_type", "dict_type", "missing"):
            return (
                f'The body must be a JSON object such as {{"q": "{EXAMPLE_QUESTION}"}}, sent '
                "with Content-Type: application/json."
            )
        parts.append(
            f"{'.'.join(where) or 'body'}: {printable(problem.get('msg', 'invalid'), 120)}"
        )
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return "; ".join(parts) + more + "."
