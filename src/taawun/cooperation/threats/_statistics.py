"""Fresh PostgreSQL statistics for the correlation index as it grows (``storage/statistics.py``).

An index that grew from nothing to 100,000 occurrences in a minute was still planned as
empty: the probes of the indexer and the shared-threat query chose scans of whole tables
(``benchmarks/correlation.py``). So the indexer counts the occurrences it inserts, as intel's
ingest counts its objects, and past a tenth of growth the index's statistics are refreshed
off every request.
"""

from __future__ import annotations

from taawun.storage.statistics import GrowthStatistics

STATISTICS = GrowthStatistics(
    tables=("threat_value", "threat_occurrence"), counted="threat_occurrence"
)
note_inserted = STATISTICS.note_inserted
