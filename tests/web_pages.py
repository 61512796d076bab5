"""Web pages written for the tests, in the shapes real blogs have.

One article, five shells: a WordPress theme (Yoast JSON-LD), a Wix blog (nested spans,
JSON-LD), a Squarespace blog item (microdata, a newsletter block inside the post), a
Ghost-like semantic page (``<article>``, ``<time>``, ``rel=author``) and an old table layout
whose only metadata are ``<meta name=author>``, the ``<title>`` and a "Posted On" line.
Each shell carries the furniture real pages have (menus, cookie banners, sidebars, related
posts, author boxes, comments, footers); ``FURNITURE`` lists phrases of it that must never
reach an extracted article body. Also used by ``bench/compare_extractors.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date as Date
from html import escape
from pathlib import Path

from advice_search.corpus import parse_article, to_blocks
from advice_search.text import is_heading_like, is_list_item, strip_list_marker


@dataclass(frozen=True)
class PageArticle:
    """What a page shows: metadata and the article as blocks ("h2", "p", "ol", "ul")."""

    title: str
    author: str
    date: str  # ISO, YYYY-MM-DD
    site: str
    url: str  # canonical address
    blocks: tuple[tuple[str, str], ...]

    @property
    def texts(self) -> list[str]:
        return [text for _, text in self.blocks]


def article_from_markdown(
    path: Path, *, author: str, date: str, site: str, url: str
) -> PageArticle:
    """A corpus article as page blocks: lines that read as headings become <h2>."""
    article = parse_article(path.read_text(encoding="utf-8"), path=path.name, article_id="x")
    blocks: list[tuple[str, str]] = []
    for block in to_blocks(article.body):
        if is_list_item(block):
            kind = "ol" if block.lstrip()[:1].isdigit() else "ul"
            blocks.append((kind, strip_list_marker(block)[0].strip()))
        elif is_heading_like(block) and len(block) < 100:
            blocks.append(("h2", block.lstrip("#").strip()))
        else:
            blocks.append(("p", block))
    return PageArticle(article.title, author, date, site, url, tuple(blocks))


def body_html(article: PageArticle, *, p_class: str = "", wrap: str = "{}") -> str:
    """The article's blocks as HTML; consecutive list items share one list."""
    out: list[str] = []
    open_list: str | None = None
    attr = f' class="{p_class}"' if p_class else ""
    for kind, text in article.blocks:
        if kind in ("ol", "ul"):
            if open_list != kind:
                if open_list:
                    out.append(f"</{open_list}>")
                out.append(f"<{kind}>")
                open_list = kind
            out.append(f"<li><p{attr}>{wrap.format(escape(text))}</p></li>")
            continue
        if open_list:
            out.append(f"</{open_list}>")
            open_list = None
        if kind == "h2":
            out.append(f"<h2>{wrap.format(escape(text))}</h2>")
        else:
            out.append(f"<p{attr}>{wrap.format(escape(text))}</p>")
    if open_list:
        out.append(f"</{open_list}>")
    return "\n".join(out)


def long_date(iso: str) -> str:
    return Date.fromisoformat(iso).strftime("%B %-d, %Y")


FURNITURE = (
    "Book a Free Consultation",
    "We use cookies to give you the best experience",
    "Accept All Cookies",
    "Manage cookie preferences",
    "Recent Posts",
    "Five Ways to Rekindle Romance After Kids",
    "Why Date Night Still Matters in Year Ten",
    "Subscribe to our newsletter",
    "Enter your email address",
    "Related Posts",
    "Leave a Reply",
    "Your email address will not be published",
    "All rights reserved",
    "Privacy Policy",
    "Share this post",
    "Skip to content",
    "About the Author",
    "has helped couples for fifteen years",
    "Read next",
    "Sign up for free",
)

MENU = ("Home", "About Us", "Services", "Blog", "Contact", "Book a Free Consultation")
RELATED = (
    "Five Ways to Rekindle Romance After Kids",
    "Why Date Night Still Matters in Year Ten",
    "Money Fights: A Field Guide for Couples",
)
BIO = "{author} has helped couples for fifteen years and writes about communication."
COOKIES = (
    "We use cookies to give you the best experience on our website. By continuing you agree "
    "to our use of cookies."
)


def _menu(tag: str = "li") -> str:
    return "".join(
        f'<{tag}><a href="/{m.lower().replace(" ", "-")}/">{m}</a></{tag}>' for m in MENU
    )


def _related_links() -> str:
    return "".join(f'<li><a href="/blog/{i}/">{escape(t)}</a></li>' for i, t in enumerate(RELATED))


def wordpress(a: PageArticle) -> str:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "Article",
                "@id": a.url + "#article",
                "headline": a.title,
                "datePublished": a.date + "T09:30:00+00:00",
                "dateModified": "2025-01-15T10:00:00+00:00",
                "author": {"@id": "https://example.net/#/schema/person/1"},
                "publisher": {"@id": "https://example.net/#organization"},
                "mainEntityOfPage": {"@id": a.url},
            },
            {"@type": "WebPage", "@id": a.url, "url": a.url, "name": f"{a.title} - {a.site}"},
            {"@type": "WebSite", "@id": "https://example.net/#website", "name": a.site},
            {"@type": "Organization", "@id": "https://example.net/#organization", "name": a.site},
            {"@type": "Person", "@id": "https://example.net/#/schema/person/1", "name": a.author},
        ],
    }
    return f"""<!DOCTYPE html>
<html lang="en-US"><head>
<meta charset="UTF-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(a.title)} - {escape(a.site)}</title>
<link rel="canonical" href="{escape(a.url)}">
<meta property="og:type" content="article"><meta property="og:title" content="{escape(a.title)}">
<meta property="og:site_name" content="{escape(a.site)}"><meta property="og:url" content="{escape(a.url)}">
<meta property="article:published_time" content="{a.date}T09:30:00+00:00">
<meta property="article:modified_time" content="2025-01-15T10:00:00+00:00">
<script type="application/ld+json" class="yoast-schema-graph">{json.dumps(graph)}</script>
<link rel="stylesheet" href="/wp-content/themes/astra/style.css">
</head>
<body class="post-template-default single single-post">
<a class="skip-link screen-reader-text" href="#content">Skip to content</a>
<div id="page" class="hfeed site">
<header id="masthead" class="site-header"><p class="site-title"><a href="/">{escape(a.site)}</a></p>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">{_menu()}</ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-123" class="post-123 post type-post status-publish hentry">
<header class="entry-header"><h1 class="entry-title">{escape(a.title)}</h1>
<div class="entry-meta"><span class="byline">By <span class="author vcard"><a class="url fn n" href="/author/x/">{escape(a.author)}</a></span></span>
<span class="posted-on"><time class="entry-date published" datetime="{a.date}T09:30:00+00:00">{long_date(a.date)}</time>
<time class="updated" datetime="2025-01-15T10:00:00+00:00">January 15, 2025</time></span></div></header>
<div class="entry-content">
{body_html(a)}
</div>
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this post</h3><ul><li><a href="#">Facebook</a></li><li><a href="#">Pinterest</a></li></ul></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related Posts</em></h3><ul>{_related_links()}</ul></div>
<div class="author-box"><h4>About the Author</h4><p>{escape(BIO.format(author=a.author))}</p></div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="/category/relationships/">Relationships</a></span></footer>
</article>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
<form class="comment-form"><p class="comment-notes">Your email address will not be published. Required fields are marked *</p>
<p><label>Comment</label><textarea name="comment"></textarea></p><p><input type="submit" value="Post Comment"></p></form></div></div>
</main></div>
<aside id="secondary" class="widget-area"><section class="widget widget_search"><form><input type="search" placeholder="Search …"></form></section>
<section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{_related_links()}</ul></section>
<section class="widget widget_text"><h2 class="widget-title">Subscribe to our newsletter</h2><p>Get new articles every month. Enter your email address below.</p></section>
<section class="widget widget_categories"><h2 class="widget-title">Categories</h2><ul><li><a href="#">Couples</a></li><li><a href="#">Therapy</a></li></ul></section></aside>
</div>
<footer id="colophon" class="site-footer"><p>© 2025 {escape(a.site)}. All rights reserved. <a href="/privacy/">Privacy Policy</a></p></footer>
</div>
<div id="cookie-notice" role="dialog" class="cookie-notice-container"><span id="cn-notice-text">{COOKIES}</span>
<a href="#" id="cn-accept-cookie" class="cn-button">Accept All Cookies</a><a href="#" class="cn-more">Manage cookie preferences</a></div>
<script src="/wp-includes/js/jquery.min.js"></script>
</body></html>"""


def wix(a: PageArticle) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": a.title,
        "url": a.url,
        "datePublished": a.date + "T14:02:11.000Z",
        "dateModified": "2025-02-01T08:00:00.000Z",
        "author": {"@type": "Person", "name": a.author},
        "publisher": {"@type": "Organization", "name": a.site},
    }
    spans = '<span style="color:#1a1a1a;"><span class="wixui-rich-text__text">{}</span></span>'
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset='utf-8'>
<title>{escape(a.title)}</title>
<meta property="og:title" content="{escape(a.title)}"><meta property="og:site_name" content="{escape(a.site)}">
<meta property="og:url" content="{escape(a.url)}"><meta property="og:type" content="article">
<link rel="canonical" href="{escape(a.url)}">
<script type="application/ld+json">{json.dumps(ld)}</script>
<script>window.viewerModel = {{"siteFeatures": ["cookiesManager"], "language": "en"}};</script>
</head><body>
<div id="SITE_CONTAINER"><div id="main_MF"><div id="SCROLL_TO_TOP"></div>
<header id="SITE_HEADER" class="wixui-header"><div data-testid="linkElement"><a href="/">{escape(a.site)}</a></div>
<nav aria-label="Site"><ul>{_menu()}</ul></nav></header>
<main id="PAGES_CONTAINER"><div id="SITE_PAGES"><div class="post-page">
<div data-hook="post-header"><div data-hook="user-name">{escape(a.author)}</div>
<span data-hook="time-ago">{Date.fromisoformat(a.date).strftime("%b %-d, %Y")}</span><span data-hook="time-to-read">6 min read</span></div>
<h1 data-hook="post-title" class="blog-post-title-font"><span class="post-title">{escape(a.title)}</span></h1>
<div data-hook="post-description"><div class="post-content__body"><div class="rich-content-viewer">
{body_html(a, p_class="_2PHJq public-DraftStyleDefault-ltr", wrap=spans)}
</div></div></div>
<div data-hook="post-footer"><div data-hook="share-buttons">Share this post</div><div data-hook="post-tags">Tags: couples, therapy</div></div>
<section data-hook="recent-posts"><h2>Recent Posts</h2><div data-hook="recent-posts-list">{"".join(f'<div data-hook="post-list-item"><a href="/post/{i}"><h3>{escape(t)}</h3></a><span>3 min read</span></div>' for i, t in enumerate(RELATED))}</div>
<a href="/blog">See All</a></section>
<section data-hook="comments"><h3>Comments</h3><div>Write a comment...</div></section>
</div></div></main>
<footer id="SITE_FOOTER"><p>Subscribe to our newsletter</p><input placeholder="Enter your email address"><button>Sign up for free</button>
<p>© 2025 by {escape(a.site)}. Proudly created with Wix.com. All rights reserved.</p><a href="/privacy">Privacy Policy</a></footer>
</div></div>
<div data-hook="consent-banner-root" class="consent-banner"><p>{COOKIES}</p><button>Accept All Cookies</button><button>Manage cookie preferences</button></div>
</body></html>"""


def squarespace(a: PageArticle) -> str:
    ld = {
        "@context": "http://schema.org",
        "@type": "Article",
        "headline": a.title,
        "datePublished": a.date + "T10:00:00-0500",
        "author": a.author,
        "publisher": {"@type": "Organization", "name": a.site},
        "url": a.url,
    }
    return f"""<!doctype html>
<html xmlns:og="http://opengraphprotocol.org/schema/" lang="en-US"><head>
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<title>{escape(a.title)} — {escape(a.site)}</title>
<link rel="canonical" href="{escape(a.url)}"/>
<meta property="og:site_name" content="{escape(a.site)}"/><meta property="og:title" content="{escape(a.title)} — {escape(a.site)}"/>
<meta property="og:url" content="{escape(a.url)}"/><meta property="og:type" content="article"/>
<meta itemprop="name" content="{escape(a.title)} — {escape(a.site)}"/>
<meta itemprop="author" content="{escape(a.author)}"/><meta itemprop="datePublished" content="{a.date}T10:00:00-0500"/>
<meta name="twitter:title" content="{escape(a.title)} — {escape(a.site)}"/>
<script type="application/ld+json">{json.dumps(ld)}</script>
</head>
<body id="item-5f1" class="collection-type-blog view-item">
<div class="sqs-announcement-bar-dropzone"><div class="sqs-announcement-bar"><p>Now booking spring sessions — Book a Free Consultation</p></div></div>
<header class="Header Header--top"><div class="Header-branding"><a href="/">{escape(a.site)}</a></div>
<nav class="Header-nav Header-nav--primary">{_menu("span")}</nav></header>
<main class="Index"><section class="Main-content">
<article class="BlogItem hentry tag-therapy author-x post-type-text" id="article-5f1" data-item-id="5f1">
<div class="BlogItem-meta"><time class="Blog-meta-item Blog-meta-item--date dt-published" datetime="{a.date}">{long_date(a.date)}</time>
<a href="/blog?author=x" class="Blog-meta-item Blog-meta-item--author">{escape(a.author)}</a></div>
<h1 class="BlogItem-title" data-content-field="title">{escape(a.title)}</h1>
<div class="sqs-layout sqs-grid-12 columns-12" data-layout-label="Post Body" data-type="item">
<div class="row sqs-row"><div class="col sqs-col-12 span-12">
<div class="sqs-block html-block sqs-block-html" data-block-type="2"><div class="sqs-block-content">
{body_html(a)}
</div></div>
<div class="sqs-block newsletter-block sqs-block-newsletter" data-block-type="51"><div class="sqs-block-content"><div class="newsletter-form-wrapper">
<h2 class="newsletter-form-header-title">Subscribe to our newsletter</h2><p>Enter your email address to get new posts.</p><button>Sign up for free</button></div></div></div>
</div></div></div>
<div class="BlogItem-share"><span>Share this post</span></div>
<section class="BlogItem-author"><h3>About the Author</h3><p>{escape(BIO.format(author=a.author))}</p></section>
<nav class="BlogItem-pagination"><a href="/blog/prev" class="BlogItem-pagination-link--prev"><div>Previous</div><h2>{escape(RELATED[0])}</h2></a>
<a href="/blog/next" class="BlogItem-pagination-link--next"><div>Next</div><h2>{escape(RELATED[1])}</h2></a></nav>
<div class="BlogItem-comments"><div class="squarespace-comments">Leave a Reply</div></div>
</article></section></main>
<footer class="Footer"><div class="sqs-block"><p>© 2025 {escape(a.site)} · All rights reserved · <a href="/privacy">Privacy Policy</a></p></div></footer>
<div class="sqs-cookie-banner-v2 sqs-cookie-banner-v2--bottom"><div class="sqs-cookie-banner-v2-text"><p>{COOKIES}</p></div>
<button class="sqs-cookie-banner-v2-accept">Accept All Cookies</button><button>Manage cookie preferences</button></div>
</body></html>"""


def ghost(a: PageArticle) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(a.title)}</title>
<meta name="description" content="Notes for couples.">
<meta name="author" content="{escape(a.author)}">
<link rel="canonical" href="{escape(a.url)}">
<meta property="og:site_name" content="{escape(a.site)}">
<meta property="og:type" content="article"><meta property="og:title" content="{escape(a.title)}">
<meta property="article:published_time" content="{a.date}T07:15:00.000Z">
<meta name="generator" content="Ghost 5.80">
</head>
<body class="post-template">
<div class="viewport">
<header id="gh-head" class="gh-head outer"><a class="gh-head-logo" href="/">{escape(a.site)}</a>
<nav class="gh-head-menu"><ul class="nav">{_menu()}</ul></nav>
<div class="gh-head-actions"><a href="#/portal/signup" class="gh-head-button">Sign up for free</a></div></header>
<main id="site-main" class="site-main">
<article class="article post">
<header class="article-header gh-canvas"><h1 class="article-title">{escape(a.title)}</h1>
<div class="article-byline"><div class="article-byline-content"><h4 class="author-name"><a href="/author/x/" rel="author">{escape(a.author)}</a></h4>
<div class="byline-meta-content"><time class="byline-meta-date" datetime="{a.date}">{Date.fromisoformat(a.date).strftime("%d %b %Y")}</time>
<span class="byline-reading-time">6 min read</span></div></div></div></header>
<section class="gh-content gh-canvas">
{body_html(a)}
</section>
</article>
<section class="article-comments gh-canvas"><h3>Leave a Reply</h3><p>Your email address will not be published.</p></section>
<aside class="read-more-wrap outer"><div class="read-more inner"><h2>Read next</h2>
{"".join(f'<article class="post-card"><a class="post-card-content-link" href="/p{i}/"><h2 class="post-card-title">{escape(t)}</h2><p class="post-card-excerpt">A short look at a common problem.</p></a></article>' for i, t in enumerate(RELATED))}
</div></aside>
</main>
<footer class="site-footer outer"><section class="footer-cta"><h3>Subscribe to our newsletter</h3><p>Enter your email address</p><a href="#/portal/">Sign up for free</a></section>
<div class="inner"><section class="copyright">{escape(a.site)} © 2025 · All rights reserved · <a href="/privacy/">Privacy Policy</a></section></div></footer>
</div>
<div class="cookie-consent" id="cookie-consent"><p>{COOKIES}</p><button>Accept All Cookies</button> <a href="/cookies">Manage cookie preferences</a></div>
</body></html>"""


def legacy(a: PageArticle) -> str:
    paragraphs = body_html(a).replace("<h2>", "<p><b>").replace("</h2>", "</b></p>")
    return f"""<HTML>
<HEAD>
<TITLE>{escape(a.title)} | {escape(a.site)}</TITLE>
<META NAME="author" CONTENT="{escape(a.author)}">
<META NAME="keywords" CONTENT="couples, therapy, counseling">
<LINK REL="canonical" HREF="{escape(a.url)}">
</HEAD>
<BODY BGCOLOR="#ffffff">
<TABLE WIDTH="100%" BORDER="0"><TR><TD COLSPAN="3" CLASS="banner"><FONT SIZE="5">{escape(a.site)}</FONT><BR>
<FONT SIZE="2">{COOKIES} <A HREF="#">Accept All Cookies</A></FONT></TD></TR>
<TR><TD WIDTH="160" VALIGN="top" CLASS="nav">{"<BR>".join(f'<A HREF="/{m.lower()}.html">{m}</A>' for m in MENU)}<BR><BR>
<B>Recent Posts</B><BR>{"<BR>".join(f'<A HREF="/p{i}.html">{escape(t)}</A>' for i, t in enumerate(RELATED))}</TD>
<TD VALIGN="top">
<H1>{escape(a.title)}</H1>
<P><I>Posted On: {long_date(a.date)}</I></P>
{paragraphs}
<P><SMALL>Share this post: <A HREF="#">email</A></SMALL></P>
</TD>
<TD WIDTH="180" VALIGN="top" CLASS="side"><B>Subscribe to our newsletter</B><BR>
<FORM>Enter your email address<BR><INPUT TYPE="text"><INPUT TYPE="submit" VALUE="Sign up for free"></FORM>
<HR><B>About the Author</B><BR>{escape(BIO.format(author=a.author))}</TD></TR>
<TR><TD COLSPAN="3" ALIGN="center"><FONT SIZE="1">Copyright 2025 {escape(a.site)}. All rights reserved. <A HREF="/privacy.html">Privacy Policy</A></FONT></TD></TR>
</TABLE>
</BODY></HTML>"""


SHELLS: dict[str, Callable[[PageArticle], str]] = {
    "wordpress": wordpress,
    "wix": wix,
    "squarespace": squarespace,
    "ghost": ghost,
    "legacy": legacy,
}
