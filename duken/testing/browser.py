"""Browser tests under the shop's Content-Security-Policy.

Every page a browser test opens is watched: the test fails when Chromium refuses something the
policy forbids (its console says "Refused to ... because it violates the following Content
Security Policy directive", and the page fires a ``securitypolicyviolation`` event, which an init
script reports back) and when a page's script throws. The ``browser`` fixture (conftest.py)
launches Chromium this way; its contexts and pages are Playwright's own.
"""

from contextlib import contextmanager

# Runs in every document before the page's own scripts: each violation the browser reports on
# the page is handed to the test (the binding is installed by PageWatch.watch).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__dukenPolicyViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""


class PageWatch:
    """What went wrong on the watched pages, as lines for the failure message."""

    def __init__(self):
        self.problems: list[str] = []
        self.contexts = []

    def watch(self, context) -> None:
        self.contexts.append(context)
        context.expose_binding("__dukenPolicyViolation", self._violation)
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._console)
        context.on("weberror", self._error)

    def _violation(self, source, report) -> None:
        self.problems.append(
            f"securitypolicyviolation on {source['frame'].url}: {report['directive']} refused "
            f"{report['blocked'] or 'inline content'} ({report['source']}:{report['line']}) "
            f"{report['sample']!r}"
        )

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type} on {message.page.url}: {message.text}")

    def _error(self, error) -> None:
        url = error.page.url if error.page else "?"
        self.problems.append(f"uncaught error on {url}: {error.error}")

    def settle(self) -> None:
        """Let events still on their way from open pages arrive (the sync API delivers them
        while it waits for an answer)."""
        for context in self.contexts:
            for page in context.pages:
                try:
                    page.evaluate("0")
                except Exception:  # noqa: BLE001 - a page closing or navigating has nothing to say
                    pass


@contextmanager
def watched_chromium(executable_path: str):
    """Debian's Chromium, every new context (and so every page) watched; yields the browser
    and its PageWatch."""
    from playwright.sync_api import sync_playwright

    watch = PageWatch()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable_path)
        new_context = browser.new_context

        def watched_new_context(**options):
            context = new_context(**options)
            watch.watch(context)
            return context

        def watched_new_page(**options):
            return watched_new_context(**options).new_page()

        browser.new_context = watched_new_context
        browser.new_page = watched_new_page
        try:
            yield browser, watch
        finally:
            browser.close()
