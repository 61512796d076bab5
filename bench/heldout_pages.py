"""Five more page shapes, written after advice_search.webpage was settled and never tuned on.

The shells of tests/web_pages.py shaped the fixes in webpage.py (layout tables, author,
site tail, recovered list markers); these check that the fixes were not fitted to them:
Blogger, a Medium-like page, a Substack-like newsletter post, Drupal, and a Weebly-style
site builder whose text is one <div class="paragraph"> broken by <br>.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date as Date
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.web_pages import (  # noqa: E402
    BIO,
    COOKIES,
    MENU,
    RELATED,
    PageArticle,
    body_html,
    long_date,
)


def _links(items: tuple[str, ...]) -> str:
    return "".join(f'<li><a href="/p/{i}">{escape(t)}</a></li>' for i, t in enumerate(items))


def blogger(a: PageArticle) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="UTF-8">
<title>{escape(a.site)}: {escape(a.title)}</title>
<link rel="canonical" href="{escape(a.url)}"><meta property="og:title" content="{escape(a.title)}">
<meta property="og:url" content="{escape(a.url)}"></head>
<body><div class="navbar section"><div class="widget Navbar">Blogger navbar: Create Blog Sign In</div></div>
<div class="header-outer"><h1 class="title"><a href="/">{escape(a.site)}</a></h1><p class="description">Notes on love and therapy</p></div>
<div class="tabs-outer"><ul>{_links(MENU)}</ul></div>
<div class="main-outer"><div class="date-outer"><h2 class="date-header"><span>{Date.fromisoformat(a.date).strftime("%A, %B %-d, %Y")}</span></h2>
<div class="post hentry"><h3 class="post-title entry-title">{escape(a.title)}</h3>
<div class="post-body entry-content">{body_html(a)}</div>
<div class="post-footer"><span class="post-author vcard">Posted by <span class="fn">{escape(a.author)}</span></span>
<abbr class="published" title="{a.date}T10:00:00-05:00">10:00 AM</abbr>
<div class="post-share-buttons">Email This BlogThis! Share to X Share to Facebook</div></div></div></div>
<div class="comments"><h4>No comments:</h4><p>Post a Comment</p></div>
<div class="blog-pager"><a href="#">Newer Post</a> <a href="#">Older Post</a> <a href="/">Home</a></div></div>
<div class="sidebar"><h2>Related Posts</h2><ul>{_links(RELATED)}</ul><h2>About the Author</h2><p>{escape(BIO.format(author=a.author))}</p>
<h2>Subscribe to our newsletter</h2><p>Enter your email address</p></div>
<div class="footer">All rights reserved. Privacy Policy. Powered by Blogger.</div>
<div id="cookieChoiceInfo">{COOKIES} <a>Accept All Cookies</a></div></body></html>"""


def medium(a: PageArticle) -> str:
    ld = {"@context": "http://schema.org", "@type": "NewsArticle", "headline": a.title,
          "datePublished": a.date + "T12:00:00.000Z", "author": [{"@type": "Person", "name": a.author}],
          "publisher": {"@type": "Organization", "name": a.site}, "url": a.url}  # fmt: skip
    return f"""<!doctype html><html lang="en"><head><title>{escape(a.title)} | by {escape(a.author)} | {escape(a.site)}</title>
<meta property="og:title" content="{escape(a.title)}"><meta property="og:site_name" content="{escape(a.site)}">
<link rel="canonical" href="{escape(a.url)}"><meta name="author" content="{escape(a.author)}">
<script type="application/ld+json">{json.dumps(ld)}</script></head>
<body><div id="root"><div class="a b c"><nav><a href="/">Medium</a> <a href="/m/signin">Sign in</a> <a>Sign up for free</a></nav>
<article><div class="l"><section><div class="ah"><h1 data-testid="storyTitle" class="pw-post-title">{escape(a.title)}</h1>
<div class="speechify-ignore"><a data-testid="authorName" href="/@x">{escape(a.author)}</a> · 6 min read · {Date.fromisoformat(a.date).strftime("%b %-d, %Y")}</div>
<div>Share this post</div>
{body_html(a).replace("<p>", '<p class="pw-post-body-paragraph">')}</div></section></div></article>
<div class="pw-more-from"><h2>More from {escape(a.author)}</h2>{_links(RELATED)}</div>
<div><h2>Recommended from Medium</h2><h3>Read next</h3>{_links(RELATED)}</div>
<footer>Help Status About Careers Privacy Policy Terms All rights reserved</footer></div></div></body></html>"""


def substack(a: PageArticle) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.title,
          "datePublished": a.date + "T11:00:00+00:00", "author": [{"@type": "Person", "name": a.author, "url": "https://x.example/@a"}],
          "publisher": {"@type": "Organization", "name": a.site}, "url": a.url}  # fmt: skip
    half = len(a.blocks) // 2
    first = PageArticle(**{**a.__dict__, "blocks": a.blocks[:half]})
    second = PageArticle(**{**a.__dict__, "blocks": a.blocks[half:]})
    return f"""<!DOCTYPE html><html><head><title>{escape(a.title)} - by {escape(a.author)}</title>
<meta property="og:site_name" content="{escape(a.site)}"><link rel="canonical" href="{escape(a.url)}">
<script type="application/ld+json">{json.dumps(ld)}</script></head>
<body><div class="main-menu"><a href="/">{escape(a.site)}</a> <a>Subscribe</a> <a>Sign in</a></div>
<div class="single-post"><div class="post-header"><h1 class="post-title">{escape(a.title)}</h1>
<div class="byline-wrapper"><a class="pencraft">{escape(a.author)}</a> <div class="post-date">{Date.fromisoformat(a.date).strftime("%b %d, %Y")}</div></div></div>
<div class="available-content"><div class="body markup" dir="auto">{body_html(first)}
<div class="subscription-widget-wrap"><p class="cta-caption">Subscribe to our newsletter. Enter your email address.</p><button>Subscribe</button></div>
{body_html(second)}</div></div>
<div class="post-footer"><a>Share this post</a> <div class="comments-section"><h3>Leave a Reply</h3><p>Your email address will not be published.</p></div></div>
<div class="post-recommendations"><h3>Related Posts</h3>{_links(RELATED)}</div></div>
<div class="footer">© 2025 {escape(a.site)}. All rights reserved. Privacy Policy ∙ Terms ∙ Collection notice</div></body></html>"""


def drupal(a: PageArticle) -> str:
    return f"""<!DOCTYPE html><html lang="en" dir="ltr"><head><meta charset="utf-8">
<title>{escape(a.title)} | {escape(a.site)}</title><link rel="canonical" href="{escape(a.url)}">
<meta name="Generator" content="Drupal 10 (https://www.drupal.org)"></head>
<body class="path-node page-node-type-article"><a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div class="dialog-off-canvas-main-canvas"><header role="banner"><div class="site-branding"><a href="/">{escape(a.site)}</a></div>
<nav role="navigation" class="menu--main"><ul class="menu">{_links(MENU)}</ul></nav></header>
<div class="region-breadcrumb"><nav class="breadcrumb"><ol><li><a href="/">Home</a></li><li><a href="/blog">Blog</a></li></ol></nav></div>
<main role="main"><a id="main-content" tabindex="-1"></a><div class="layout-content">
<h1 class="page-title"><span class="field field--name-title">{escape(a.title)}</span></h1>
<article role="article" class="node node--type-article node--view-mode-full">
<div class="node__meta"><span>Submitted by <span class="field field--name-uid"><span>{escape(a.author)}</span></span> on <span class="field--name-created">{long_date(a.date)}</span></span></div>
<div class="node__content"><div class="clearfix text-formatted field field--name-body field--type-text-with-summary field__item">{body_html(a)}</div>
<div class="field field--name-field-tags"><div class="field__label">Tags</div><div class="field__item"><a href="/tags/couples">Couples</a></div></div>
<section class="comment-section"><h2>Leave a Reply</h2><form class="comment-form">Your email address will not be published.</form></section></div></article></div>
<aside class="layout-sidebar-first" role="complementary"><div class="block-views-blockcontent-recent-block-1"><h2>Recent Posts</h2><ul>{_links(RELATED)}</ul></div>
<div class="block-simplenews"><h2>Subscribe to our newsletter</h2><p>Enter your email address</p></div></aside></main>
<footer role="contentinfo"><p>All rights reserved · <a href="/privacy">Privacy Policy</a></p></footer></div>
<div id="sliding-popup" class="eu-cookie-compliance-banner"><p>{COOKIES}</p><button>Accept All Cookies</button><button>Manage cookie preferences</button></div></body></html>"""


def weebly(a: PageArticle) -> str:
    parts = []
    for kind, text in a.blocks:
        parts.append(f"<strong>{escape(text)}</strong>" if kind == "h2" else escape(text))
    text = "<br><br>".join(parts)
    return f"""<!DOCTYPE html><html><head><title>{escape(a.title)} - {escape(a.site)}</title>
<meta property="og:site_name" content="{escape(a.site)}"><meta property="og:title" content="{escape(a.title)}">
<meta property="og:url" content="{escape(a.url)}"><meta name="author" content="{escape(a.author)}"></head>
<body class="no-header-page wsite-page-blog"><div class="wrapper"><div class="dusk-header"><span class="wsite-logo">{escape(a.site)}</span>
<div class="nav"><ul class="wsite-menu-default">{_links(MENU)}</ul></div></div>
<div class="main-wrap"><div class="container"><div id="wsite-content" class="wsite-elements wsite-not-footer">
<div class="blog-post" id="blog-post-1"><div class="blog-header"><h2 class="blog-title"><a class="blog-title-link">{escape(a.title)}</a></h2>
<p class="blog-date"><span class="date-text">{Date.fromisoformat(a.date).strftime("%-m/%-d/%Y")}</span></p></div>
<div class="blog-content"><div class="paragraph">{text}</div></div>
<div class="blog-social"><span>Share this post</span></div>
<div class="blog-comments-bottom"><a>0 Comments</a></div></div></div>
<div class="blog-sidebar"><div class="column-blog"><h2 class="wsite-content-title">Recent Posts</h2><ul>{_links(RELATED)}</ul>
<h2>Subscribe to our newsletter</h2><p>Enter your email address</p></div></div></div></div>
<div class="footer-wrap">All rights reserved. Privacy Policy</div></div>
<div class="cookie-consent">{COOKIES} <button>Accept All Cookies</button></div></body></html>"""


HELDOUT: dict[str, Callable[[PageArticle], str]] = {
    "blogger": blogger,
    "medium": medium,
    "substack": substack,
    "drupal": drupal,
    "weebly": weebly,
}
