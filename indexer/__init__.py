"""Write articles into a Whoosh index that stays correct as the archive grows.

    from dateline.indexer import index_sources
    report = index_sources(["seeds/"], "dateline-index")
"""

from typing import TYPE_CHECKING

from dateline.lazy import hand_on

if TYPE_CHECKING:
    from dateline.indexer.incremental import IndexReport, index_sources

__all__ = ["IndexReport", "index_sources"]
__getattr__ = hand_on(__name__, {"IndexReport": ".incremental", "index_sources": ".incremental"})
