"""Known news agencies and their aliases, so 'MNA', 'Mehr' and 'Mehr News' count as one agency."""

from __future__ import annotations

import re

from dateline.corpus.script import fold_arabic_script

AGENCIES: dict[str, tuple[str, ...]] = {
    "Mehr News Agency": ("MNA", "Mehr", "Mehr News", "Mehrnews", "خبرگزاری مهر", "مهر"),
    "Islamic Republic News Agency": ("IRNA", "خبرگزاری جمهوری اسلامی", "ایرنا", "إرنا"),
    "Tasnim News Agency": ("Tasnim", "خبرگزاری تسنیم", "تسنیم"),
    "Fars News Agency": ("Fars", "FNA", "Fars News", "خبرگزاری فارس", "فارس"),
    "Iranian Students' News Agency": ("ISNA", "Iranian Students News Agency", "خبرگزاری دانشجویان ایران",
                                      "ایسنا"),
    "Reuters": ("Reuter", "Thomson Reuters", "Reuters News", "رويترز"),
    "Associated Press": ("AP", "The Associated Press", "أ ب", "أسوشيتد برس"),
    "Agence France-Presse": ("AFP", "Agence France Presse", "أ ف ب", "أ.ف.ب", "فرانس برس"),
    "Xinhua": ("Xinhua News Agency", "New China News Agency", "شينخوا"),
    "Anadolu Agency": ("AA", "Anadolu", "Anadolu Ajansı", "الأناضول"),
    "Saudi Press Agency": ("SPA", "واس"),
    "Emirates News Agency": ("WAM", "وام"),
    "Qatar News Agency": ("QNA", "قنا"),
    "Kuwait News Agency": ("KUNA", "كونا"),
    "Middle East News Agency": ("MENA", "أ ش أ"),
    "Syrian Arab News Agency": ("SANA", "سانا"),
    "Agencia EFE": ("EFE",),
    "Yonhap": ("Yonhap News Agency",),
    "Deutsche Presse-Agentur": ("dpa", "DPA"),
    "Agenzia Nazionale Stampa Associata": ("ANSA",),
    "Kyodo News": ("Kyodo",),
    "TASS": ("ITAR-TASS", "TASS Russian News Agency"),
    "Press Trust of India": ("PTI",),
    "Bloomberg": ("Bloomberg News",),
}

def _key(name: str) -> str:
    """Aliases compare in any case and in either spelling of Arabic-script letters (خبرگزاري فارس)."""
    return fold_arabic_script(name.casefold())


_ALIASES: dict[str, str] = {
    _key(alias): name
    for name, aliases in AGENCIES.items()
    for alias in (name, *aliases)
}


def normalise_agency(name: str | None) -> str | None:
    """The canonical agency name for a known alias; an unknown name is kept as written."""
    if not name:
        return None
    cleaned = re.sub(r"\s+", " ", name).strip(" .,;:()")
    if not cleaned:
        return None
    return _ALIASES.get(_key(cleaned), cleaned)


def is_known_agency(name: str) -> bool:
    return _key(name) in _ALIASES
