"""The datasets the registry imports: keys, files and citations (src/taawun/data/README.md)."""

from __future__ import annotations

from datetime import date
from typing import Final

MAPPING_VERSION: Final = "taawun-registry-import/2"
"""Part of every source's checksum, so a change to how data is mapped forces a re-import."""

COW_STATES: Final = "cow-states"
COW_IGO: Final = "cow-igo"
ATOP: Final = "atop"
CURATED_AGREEMENTS: Final = "curated-agreements"
NCA: Final = "fuhrmann-nca"
ORDER: Final = (COW_STATES, COW_IGO, ATOP, CURATED_AGREEMENTS, NCA)

STATES_FILE: Final = "cow/states2016.csv"
COUNTRY_CODES_FILE: Final = "cow/COW-country-codes.csv"
CROSSWALK_FILE: Final = "crosswalk/countrycode_codelist_without_cldr.csv"
STATES_EXTRA_FILE: Final = "curated/states_extra.csv"
IGO_SPELLS_FILE: Final = "cow/igo/cow_igo_v3_membership_spells_selected.csv"
IGO_LIST_FILE: Final = "cow/igo/cow_igo_v3_igo_list.csv"
MEMBERSHIPS_EXTRA_FILE: Final = "curated/memberships_extra.csv"
ORGANIZATION_NAMES_FILE: Final = "curated/organization_names.csv"
ATOP_ALLIANCES_FILE: Final = "atop/atop5_1a.csv"
ATOP_MEMBERS_FILE: Final = "atop/atop5_1m.csv"
ATOP_PHASES_FILE: Final = "atop/atop5_1aph.csv"
ATOP_INST_FILE: Final = "atop/atopinst5_1.csv"
ATOP_NAMES_FILE: Final = "curated/atop_treaty_names.csv"
CURATED_AGREEMENTS_FILE: Final = "curated/agreements_since_2019.csv"
NCA_FILE: Final = "extra/nca_nuclear_cooperation_agreements_fuhrmann.csv"

COW_STATES_CITATION: Final = (
    'Correlates of War Project. 2017. "State System Membership List, v2016." '
    "Online, http://correlatesofwar.org. ISO codes and name patterns: Arel-Bundock, "
    'Vincent, Nils Enevoldsen, and CJ Yetman. 2018. "countrycode: An R package to '
    'convert country names and country codes." Journal of Open Source Software 3(28): 848.'
)
COW_IGO_CITATION: Final = (
    "Pevehouse, Jon C.W., Timothy Nordstrom, Roseanne W. McManus, and Anne Spencer "
    'Jamison. 2020. "Tracking Organizations in the World: The Correlates of War IGO '
    'Version 3.0 datasets." Journal of Peace Research 57(3).'
)
ATOP_CITATION: Final = (
    "Leeds, Brett Ashley, Jeffrey M. Ritter, Sara McLaughlin Mitchell, and Andrew G. Long. "
    '2002. "Alliance Treaty Obligations and Provisions, 1815-1944." International '
    "Interactions 28: 237-260. Codebook: Leeds, B. A. 2022. ATOP Codebook (version 5.1)."
)
CURATED_CITATION: Final = (
    "taawun curated additions from the public record (curated/README.md); "
    "each row names its own source."
)
NCA_CITATION: Final = (
    "Fuhrmann, Matthew. 2012. Atomic Assistance: How Atoms for Peace Programs Cause Nuclear "
    "Insecurity. Ithaca, NY: Cornell University Press. Nuclear Cooperation Agreement dataset "
    "v2.0, codebook of 3 January 2012; http://www.matthewfuhrmann.com/datasets.html"
)

COW_STATES_SOURCE: Final = "COW State System Membership v2016"
COW_CODES_SOURCE: Final = "COW country codes"
COW_IGO_SOURCE: Final = "COW IGO v3"
ATOP_SOURCE: Final = "ATOP 5.1"
CURATED_SOURCE: Final = "curated"
NCA_SOURCE: Final = "Fuhrmann NCA"

COW_STATES_THROUGH: Final = date(2016, 12, 31)
COW_IGO_THROUGH_YEAR: Final = 2014
ATOP_THROUGH: Final = date(2018, 12, 31)
NCA_THROUGH: Final = date(2003, 12, 31)
