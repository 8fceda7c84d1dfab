"""The kinds of value the correlation index holds: one name each, shared by the extractor,
the index's tables, the warninglists (``warninglists.py`` matches by kind) and the API.

A value is stored normalised for its kind (``normalize.py``), so two reports of the same
thing meet on one row whatever way each wrote it.
"""

from __future__ import annotations

from typing import Final

IPV4: Final = "ipv4"  # one address, canonical dotted quad
IPV6: Final = "ipv6"  # one address, RFC 5952 (compressed, lower case)
CIDR4: Final = "cidr4"  # a network, canonical (host bits cleared)
CIDR6: Final = "cidr6"
DOMAIN: Final = "domain"  # a host name, lower case, IDNA (punycode), no trailing dot
URL: Final = "url"  # scheme and host lower case, default port dropped
EMAIL: Final = "email"  # lower case
MD5: Final = "md5"  # lower-case hex
SHA1: Final = "sha1"
SHA256: Final = "sha256"
SHA512: Final = "sha512"
MUTEX: Final = "mutex"  # as written (mutex names are case-sensitive)
REGISTRY_KEY: Final = "regkey"  # case-folded (the Windows registry ignores case)
ASN: Final = "asn"  # an autonomous system number, digits only
ENTITY: Final = "entity"  # a named threat: actor, intrusion set, malware, campaign, tool

OBSERVABLES: Final = (
    IPV4,
    IPV6,
    CIDR4,
    CIDR6,
    DOMAIN,
    URL,
    EMAIL,
    MD5,
    SHA1,
    SHA256,
    SHA512,
    MUTEX,
    REGISTRY_KEY,
    ASN,
)
ALL: Final = (*OBSERVABLES, ENTITY)
HASHES: Final = (MD5, SHA1, SHA256, SHA512)
NETWORKS: Final = (IPV4, IPV6, CIDR4, CIDR6)

# The longest value the index keeps, in characters. A longer one (a URL with a huge query)
# is not indexed at all: cutting it would make two different values one, and the unique key
# must stay indexable (PostgreSQL's B-tree takes ~2,700 bytes a key; 512 characters of
# UTF-8 are at most 2,048).
MAX_VALUE: Final = 512
