""""What happens to my feedback?", and the menu that holds it with the languages on small screens."""

from __future__ import annotations

from kiosk.config import AboutTexts
from screens.base import ChoiceDialog, Look, TargetScreen
from screens.layout import header_lines
from screens.widgets import Target


class AboutScreen(TargetScreen):
    """Anonymous; who reads it; not a formal complaint (muistutus) and how to make one; the
    ombudsman; urgent matters to staff now. Long texts come a page at a time."""

    BIG_TEXT = True

    def __init__(self, look: Look, about: AboutTexts):
        """`about`: the provider's own words, where it gave them."""
        super().__init__(look)
        self.about = about
        self.page = 0

    def paragraphs(self) -> list[str]:
        about, language = self.about, self.look.language

        def provider_or_ours(texts: dict[str, str] | None, key: str) -> str:
            return texts[language] if texts else self.t(key)

        return [
            self.t("about.anonymous"),
            provider_or_ours(about.who_reads, "about.who_reads"),
            f"{self.t('about.not_complaint')} {provider_or_ours(about.complaints, 'about.complaints')}",
            provider_or_ours(about.ombudsman, "about.ombudsman"),
            self.t("about.urgent"),
        ]

    def pages(self) -> list[list[str]]:
        """Paragraphs grouped to fit above one row of targets."""
        width, height = self.app.size
        room = max(height - self.TARGET.rows - header_lines(self.t("about.title"), width), 1)
        pages: list[list[str]] = [[]]
        for paragraph in self.paragraphs():
            lines = header_lines("\n".join([*pages[-1], paragraph]), width)
            if pages[-1] and lines > room:
                pages.append([])
            pages[-1].append(paragraph)
        return pages

    def prompt(self):
        pages = self.pages()
        return self.t("about.title"), "\n".join(pages[min(self.page, len(pages) - 1)])

    def nav_start(self):
        return self.back_target()

    def nav_end(self):
        if len(self.pages()) > 1:
            return [Target(self.t("about.next"), id="next-page", classes="nav primary")]
        return []

    def action_back(self) -> None:
        self.dismiss()

    def action_next_page(self) -> None:
        self.page = (self.page + 1) % len(self.pages())
        self.run_worker(self.recompose())


class MenuScreen(ChoiceDialog):
    """Language, "what happens to my feedback?", read aloud and bigger text behind one target,
    where a screen has no room for them all. Dismisses with the id of the one chosen, or None."""

    BIG_TEXT = True

    def prompt(self):
        return self.t("nav.menu").replace("\n", " "), ""

    def choices(self):
        return [Target(target.text, target.id, classes="nav") for target in self.client_help()]
