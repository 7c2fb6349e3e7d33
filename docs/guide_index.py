"""The Guide page lists every page in ``docs/guide/`` (a MkDocs hook, named in mkdocs.yml).

Pages on particular subjects are added to ``docs/guide/`` with the features they document; the
Guide page lists each by its first heading, so a page needs no other step to be found. The list
is Markdown links to the pages, which MkDocs turns into the pages' addresses and checks like
any other link.
"""

from __future__ import annotations

import re

MARKER = "<!-- guide pages -->"


def on_page_markdown(markdown, page, config, files):
    if MARKER not in markdown:
        return markdown
    listed = []
    for file in sorted(files.documentation_pages(), key=lambda f: f.src_uri):
        if not file.src_uri.startswith("guide/") or file.src_uri == "guide/index.md":
            continue
        heading = re.search(r"^# (.+)$", file.content_string, flags=re.MULTILINE)
        title = heading.group(1).strip() if heading else file.src_uri
        listed.append(f"- [{title}]({file.src_uri.removeprefix('guide/')})")
    return markdown.replace(MARKER, "\n".join(listed) or "(No guide pages yet.)")
